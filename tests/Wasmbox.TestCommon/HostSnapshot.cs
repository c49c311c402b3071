namespace Wasmbox.TestCommon;

/// <summary>
/// Every file under a folder with its size, timestamp and contents hash, so an escape test can assert that nothing on
/// the host changed (bubblewrap's <c>assert_not_reached</c>; nsjail's "no side effect happened").
/// </summary>
public sealed record HostSnapshot(IReadOnlyDictionary<string, string> Entries)
{
    /// <remarks>Symbolic links are recorded by their target and never followed, so a planted link that points outside
    /// (or at its own parent) is part of the snapshot without walking out of it.</remarks>
    public static HostSnapshot Of(string root)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Walk(root, root, entries);
        return new HostSnapshot(entries);
    }

    private static void Walk(string root, string dir, SortedDictionary<string, string> entries)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(dir))
        {
            var rel = Path.GetRelativePath(root, path);
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target) entries[rel] = "link->" + target;
            else if (info.Attributes.HasFlag(FileAttributes.Directory))
            {
                entries[rel] = "dir";
                Walk(root, path, entries);
            }
            else
            {
                entries[rel] = $"{info.Length}:{info.LastWriteTimeUtc.Ticks}:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))}";
            }
        }
    }

    /// <summary>What differs from <paramref name="before"/>, one line per path; empty when nothing changed.</summary>
    public IReadOnlyList<string> DiffFrom(HostSnapshot before) =>
        before.Entries.Keys.Union(Entries.Keys)
            .Where(k => before.Entries.GetValueOrDefault(k) != Entries.GetValueOrDefault(k))
            .Select(k => $"{k}: {before.Entries.GetValueOrDefault(k) ?? "absent"} -> {Entries.GetValueOrDefault(k) ?? "absent"}")
            .ToList();
}
