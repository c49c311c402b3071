namespace Wasmbox.Wasi.Tests.Fs;

/// <summary>
/// A temporary host tree for file-system tests: <c>Base/grant</c> (what the guest is given), <c>Base/outside</c> with a
/// secret the guest must never reach, and <c>Base/ro</c> for read-only grants. <see cref="Snapshot"/> covers all of it.
/// </summary>
public sealed class TempTree : IDisposable
{
    public TempTree()
    {
        Base = Path.Combine(Path.GetTempPath(), "wasmbox-fs-" + Guid.NewGuid().ToString("N"));
        Grant = Path.Combine(Base, "grant");
        Outside = Path.Combine(Base, "outside");
        ReadOnlyGrant = Path.Combine(Base, "ro");
        Directory.CreateDirectory(Grant);
        Directory.CreateDirectory(Outside);
        Directory.CreateDirectory(ReadOnlyGrant);
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), "secret");
    }

    public string Base { get; }
    public string Grant { get; }
    public string Outside { get; }
    public string ReadOnlyGrant { get; }

    public string InGrant(string relative) => Path.Combine(Grant, relative);

    public HostSnapshot Snapshot() => HostSnapshot.Of(Base);

    public void Dispose()
    {
        try { Directory.Delete(Base, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
