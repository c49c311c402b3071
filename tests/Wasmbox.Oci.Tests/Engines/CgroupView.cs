namespace Wasmbox.Oci.Tests.Engines;

/// <summary>Reads where processes sit in the cgroup tree, on cgroup v1, hybrid and v2 hosts alike.</summary>
internal static class CgroupView
{
    private const string Root = "/sys/fs/cgroup";

    /// <summary>True on a cgroup v2-only host (/sys/fs/cgroup is the cgroup2 mount).</summary>
    public static bool IsUnified => File.Exists(Path.Combine(Root, "cgroup.controllers"));

    /// <summary>The cgroup directory of <paramref name="pid"/> that holds <paramref name="controller"/>'s files, or null.</summary>
    public static string? DirOf(int pid, string controller)
    {
        string[] lines;
        try { lines = File.ReadAllLines($"/proc/{pid}/cgroup"); }
        catch (IOException) { return null; }
        foreach (var line in lines)
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            if (parts[0] == "0" && IsUnified) return Path.Join(Root, parts[2]);
            if (parts[1].Split(',').Contains(controller)) return Path.Join(Root, parts[1], parts[2]);
        }
        return null;
    }

    /// <summary>Every directory below <c>/sys/fs/cgroup/*/<paramref name="relative"/></c> in every hierarchy (and the cgroup2 mount), with itself.</summary>
    public static HashSet<string> Tree(string relative)
    {
        var tops = IsUnified ? [Path.Join(Root, relative)] :
            Directory.GetDirectories(Root).Where(d => new DirectoryInfo(d).LinkTarget is null).Select(d => Path.Join(d, relative));
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var top in tops.Where(Directory.Exists))
        {
            result.Add(top);
            try { foreach (var d in Directory.EnumerateDirectories(top, "*", SearchOption.AllDirectories)) result.Add(d); }
            catch (DirectoryNotFoundException) { }
        }
        return result;
    }

    /// <summary>The number in a cgroup file (<c>memory.limit_in_bytes</c>, <c>cpu.cfs_quota_us</c>), or its whole text for v2's <c>memory.max</c>/<c>cpu.max</c>.</summary>
    public static string Read(string dir, string file) => File.ReadAllText(Path.Combine(dir, file)).Trim();
}
