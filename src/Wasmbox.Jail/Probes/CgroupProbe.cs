namespace Wasmbox.Jail.Probes;

/// <summary>One line of <c>/proc/self/cgroup</c>: <c>hierarchy-id:controller,list:/path</c>.</summary>
/// <param name="Controllers">Empty for the cgroup2 line (id 0) and for named hierarchies such as <c>name=systemd</c> it holds that name.</param>
/// <param name="Path">This process's cgroup, relative to the hierarchy's mount point; starts with '/'.</param>
public sealed record CgroupMembership(int HierarchyId, IReadOnlyList<string> Controllers, string Path);

/// <summary>How cgroups are mounted under <c>/sys/fs/cgroup</c>.</summary>
public enum CgroupLayout { None, V1, Hybrid, Unified }

/// <summary>
/// Layer "cgroups": which of the controllers Wasmbox limits with (memory, pids, cpu) are mounted, and whether this
/// process can create a child cgroup under its own cgroup, which is what a worker's cgroup will be.
/// </summary>
/// <remarks>
/// Writability is tested, not guessed: the probe creates <c>wasmbox-doctor-&lt;pid&gt;</c> under its own cgroup and removes it
/// at once. It touches nothing else, and leaves a same-named directory alone if one already exists.
/// </remarks>
public static class CgroupProbe
{
    public const string DefaultRoot = "/sys/fs/cgroup";

    /// <summary>The controllers the jail limits with, in the order they are reported.</summary>
    public static readonly IReadOnlyList<string> LimitControllers = ["memory", "pids", "cpu"];

    public static LayerStatus Probe()
    {
        string self;
        try { self = File.ReadAllText("/proc/self/cgroup"); }
        catch (IOException) { self = ""; }
        return Probe(DefaultRoot, self, Environment.ProcessId);
    }

    /// <summary>Parses <c>/proc/self/cgroup</c>; malformed lines are skipped.</summary>
    internal static IReadOnlyList<CgroupMembership> ParseProcSelfCgroup(string text)
    {
        var result = new List<CgroupMembership>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // The path itself may contain ':', so split into at most three parts.
            var parts = line.Split(':', 3);
            if (parts.Length != 3 || !int.TryParse(parts[0], out var id) || !parts[2].StartsWith('/')) continue;
            result.Add(new CgroupMembership(id, parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries), parts[2]));
        }
        return result;
    }

    internal static CgroupLayout DetectLayout(string root) =>
        File.Exists(Path.Combine(root, "cgroup.controllers")) ? CgroupLayout.Unified
        : File.Exists(Path.Combine(root, "unified", "cgroup.controllers")) ? CgroupLayout.Hybrid
        : LimitControllers.Any(c => File.Exists(Path.Combine(root, c, "cgroup.procs"))) ? CgroupLayout.V1
        : CgroupLayout.None;

    internal static LayerStatus Probe(string root, string procSelfCgroup, int pid)
    {
        var memberships = ParseProcSelfCgroup(procSelfCgroup);
        var layout = DetectLayout(root);
        if (layout == CgroupLayout.None)
            return new LayerStatus(Layers.Cgroups, false, $"no cgroup hierarchy mounted at {root}",
                "mount cgroup2 at /sys/fs/cgroup (or run where the init system does)");

        var parts = new List<string> { layout.ToString().ToLowerInvariant() };
        var usable = new List<string>();

        if (layout is CgroupLayout.V1 or CgroupLayout.Hybrid)
        {
            var v1 = new List<string>();
            foreach (var c in LimitControllers)
            {
                var mount = Path.Combine(root, c);
                var member = memberships.FirstOrDefault(m => m.HierarchyId != 0 && m.Controllers.Contains(c));
                if (!File.Exists(Path.Combine(mount, "cgroup.procs")) || member is null) { v1.Add($"{c} not mounted"); continue; }
                var own = Join(mount, member.Path);
                var writable = TryCreateChild(own, pid).Error;
                if (writable is null) usable.Add(c);
                v1.Add($"{c} {(writable is null ? "writable" : "not writable (" + writable + ")")} at {own}");
            }
            parts.Add("v1 " + string.Join(", ", v1));
        }

        var v2Root = layout == CgroupLayout.Unified ? root : Path.Combine(root, "unified");
        if (layout is CgroupLayout.Unified or CgroupLayout.Hybrid)
        {
            var member = memberships.FirstOrDefault(m => m.HierarchyId == 0);
            var own = Join(v2Root, member?.Path ?? "/");
            var controllers = ReadWords(Path.Combine(own, "cgroup.controllers"));
            var child = TryCreateChild(own, pid);
            var writable = child.Error;
            var limits = LimitControllers.Where(controllers.Contains).ToList();
            if (writable is null) usable.AddRange(limits);
            // The root cgroup has no cgroup.kill file, so look in our own cgroup and in the child we just made.
            var kill = child.HasKill || File.Exists(Path.Combine(own, "cgroup.kill"));
            parts.Add($"cgroup2 at {own} with {(controllers.Count == 0 ? "no controllers" : "controllers " + string.Join(" ", controllers))}, " +
                      $"{(writable is null ? "writable" : "not writable (" + writable + ")")}, cgroup.kill {(kill ? "present" : "absent")}");
        }

        var detail = string.Join("; ", parts);
        var missing = LimitControllers.Except(usable).ToList();
        if (usable.Count == 0)
            return new LayerStatus(Layers.Cgroups, false, detail + "; no memory, pids or cpu limit can be set",
                "give wasmbox a cgroup it can write (systemd: Delegate=yes on its unit)");
        return new LayerStatus(Layers.Cgroups, true,
            detail + (missing.Count == 0 ? "" : $"; cannot limit {string.Join(", ", missing)}"), null);
    }

    /// <summary>What creating the temporary child cgroup showed.</summary>
    /// <param name="Error">Null when the child was created and removed, else why not.</param>
    /// <param name="HasKill">The child had a <c>cgroup.kill</c> file (cgroup2 only).</param>
    internal sealed record ChildProbe(string? Error, bool HasKill);

    /// <summary>Creates <c>wasmbox-doctor-&lt;pid&gt;</c> in <paramref name="dir"/>, looks inside, and removes it.</summary>
    internal static ChildProbe TryCreateChild(string dir, int pid)
    {
        var child = Path.Combine(dir, $"wasmbox-doctor-{pid}");
        if (Directory.Exists(child)) return new ChildProbe($"{child} already exists; left alone", false);
        try { Directory.CreateDirectory(child); }
        catch (UnauthorizedAccessException) { return new ChildProbe("mkdir: EACCES", false); }
        catch (IOException e) { return new ChildProbe("mkdir: " + e.Message, false); }
        var hasKill = File.Exists(Path.Combine(child, "cgroup.kill"));
        // rmdir, never a recursive delete: a cgroup directory is removed whole, and anything else must not be touched.
        try { Directory.Delete(child, recursive: false); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ChildProbe($"created {child} but could not remove it: {e.Message}", hasKill);
        }
        return new ChildProbe(null, hasKill);
    }

    private static string Join(string mount, string cgroupPath) =>
        cgroupPath == "/" ? mount : Path.Combine(mount, cgroupPath.TrimStart('/'));

    private static IReadOnlyList<string> ReadWords(string path)
    {
        try { return File.ReadAllText(path).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }
}
