using System.Runtime.InteropServices;
using System.Text.Json;
using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Interop;

namespace Wasmbox.Oci.State;

/// <summary>
/// Where wasmbox-oci keeps its state under <c>--root</c>:
/// <code>
/// ROOT/wasmbox@oci/containers/ID/state.json   one container (written whole, through a temporary file and a rename)
/// ROOT/wasmbox@oci/containers/ID/start.fifo   what `start` writes to, to release the waiting container process
/// ROOT/wasmbox@oci/cache/                     compiled modules
/// ROOT/wasmbox@oci/runc/                      the delegated runc's own --root
/// </code>
/// </summary>
/// <remarks>
/// Why <c>wasmbox@oci</c>: containerd passes runc's own folder as <c>--root</c>, where runc keeps <c>ROOT/ID/</c>.
/// <c>@</c> cannot occur in a container id (runc allows letters, digits and <c>_ + - .</c>), so no container of runc's,
/// whatever its name, can ever share a path with ours.
/// </remarks>
internal sealed class StateStore(string root)
{
    public const string StateFile = "state.json", StartFifo = "start.fifo";

    public string Base { get; } = Path.Combine(root, "wasmbox@oci");

    public string ContainersDir => Path.Combine(Base, "containers");

    public string CacheDir => Path.Combine(Base, "cache");

    public string DelegateRoot => Path.Combine(Base, "runc");

    public string DirOf(string id) => Path.Combine(ContainersDir, ContainerId.Check(id));

    public bool Exists(string id) => File.Exists(Path.Combine(DirOf(id), StateFile));

    /// <summary>Makes the container's folder; fails if it exists, so two creates of one id cannot both succeed.</summary>
    public string Claim(string id)
    {
        Directory.CreateDirectory(ContainersDir);
        var dir = DirOf(id);
        if (Libc.Mkdir(dir, 0b111_000_000) == 0) return dir;
        var errno = Marshal.GetLastPInvokeError();
        throw new OciException(errno == Libc.EEXIST
            ? $"container {id} already exists; delete it first or choose another id"
            : $"cannot create the state folder {dir} (mkdir: errno {errno}); check --root");
    }

    public ContainerState? TryRead(string id)
    {
        try
        {
            var bytes = File.ReadAllBytes(Path.Combine(DirOf(id), StateFile));
            return JsonSerializer.Deserialize(bytes, StateJson.Default.ContainerState);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        catch (JsonException e) { throw new OciException($"the state of container {id} is damaged ({e.Message}); delete it with delete --force"); }
    }

    public ContainerState Read(string id) =>
        TryRead(id) ?? throw new OciException($"container {id} does not exist");

    /// <summary>Replaces state.json whole: a reader sees the old or the new file, never half of one.</summary>
    public void Write(ContainerState state)
    {
        var dir = DirOf(state.Id);
        var temp = Path.Combine(dir, $".{StateFile}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(state, StateJson.Default.ContainerState));
            File.Move(temp, Path.Combine(dir, StateFile), overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Removes everything <c>create</c> made for the container; an absent folder is fine.</summary>
    public void Remove(string id)
    {
        try { Directory.Delete(DirOf(id), recursive: true); }
        catch (DirectoryNotFoundException) { }
    }
}
