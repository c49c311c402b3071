using System.Globalization;
using Wasmbox.Jail.Cgroups;
using Wasmbox.Oci.Bundle;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Container;

/// <summary>
/// The container's cgroup, <c>linux.cgroupsPath</c> (cgroupfs form): made or joined by the container process before it
/// reports ready, with the container's limits, so that conmon's OOM watch, <c>podman stats</c> and the kubelet see
/// the container; the sandbox's worker cgroup is made inside it. Removed when the container process ends.
/// </summary>
/// <remarks>
/// <para>Overview. For each hierarchy this process belongs to that holds memory, cpu, cpuacct or pids (cgroup v1, as on
/// hybrid hosts), and for the cgroup2 mount: the folder is <c>MOUNT/cgroupsPath</c> (a relative path is taken from
/// this process's own cgroup there, as runc does), made with its missing parents. The limits go in first, then this
/// process moves in. Other v1 hierarchies (cpuset, blkio, devices, freezer, named ones) are not joined: nothing of
/// ours is limited there, and a new cpuset cgroup would first need its CPUs and memory nodes copied down.</para>
/// <para>Nesting. v1: this process sits in the container's cgroup itself, as runc's init does, so conmon watches the
/// container's memory cgroup for OOM kills; the worker's <c>wasmbox-…</c> cgroup is made below it, because workers
/// nest under their parent's cgroup. cgroup2: a cgroup holding a process cannot hand controllers to children, so this
/// process sits in the leaf <see cref="Leaf"/>, and <see cref="WorkerCgroup.NestUnder"/> names the container's cgroup
/// as the worker's parent: the two are siblings inside it.</para>
/// <para>Limits. memory: the guest's linear memory limit plus the worker runtime's headroom
/// (<see cref="CgroupLimits.RuntimeHeadroomBytes"/>, as the worker's own cgroup has) plus <see cref="ProcessHeadroomBytes"/>
/// for this process, so the guest meets its own limit (a failed memory.grow) before the container's. cpu: the bundle's
/// quota and period as written. pids: as written when at least <see cref="MinimumPids"/>, below that not applied.</para>
/// <para>Removal. <see cref="Dispose"/> moves this process back to where it came from and removes, deepest first, the
/// folders it made (the container's cgroup and the leaf, not a cgroup it only joined; parents it had to make stay, as
/// runc leaves them). A
/// container process killed by SIGKILL cannot; <c>delete</c> then removes what the state names (<see cref="RemoveLeftovers"/>).</para>
/// </remarks>
internal sealed class ContainerCgroup : IDisposable
{
    private const string Root = "/sys/fs/cgroup";

    /// <summary>The cgroup2 leaf that holds the container process, beside the worker's cgroup.</summary>
    public const string Leaf = "container";

    /// <summary>This process (.NET, its launcher code and the worker conversation) in the container's cgroup after it joins.</summary>
    public const long ProcessHeadroomBytes = 64L * 1024 * 1024;

    /// <summary>The worker cgroup's <see cref="CgroupLimits.DefaultPids"/> plus this process's threads (about 20).</summary>
    public const long MinimumPids = 2 * CgroupLimits.DefaultPids;

    private static readonly string[] Joined = ["memory", "cpu", "cpuacct", "pids"];

    private readonly List<(string Procs, string Back)> _returns;
    private int _disposed;

    private ContainerCgroup(IReadOnlyList<string> made, List<(string Procs, string Back)> returns)
    {
        Made = made;
        _returns = returns;
    }

    /// <summary>The folders made (not merely joined), in the order they must be removed: deepest first.</summary>
    public IReadOnlyList<string> Made { get; }

    /// <summary>The memory limit written to the container's cgroup for a guest limit of <paramref name="guestBytes"/>.</summary>
    public static long MemoryLimitFor(long guestBytes) => guestBytes + CgroupLimits.RuntimeHeadroomBytes + ProcessHeadroomBytes;

    /// <summary>Makes or joins <paramref name="cgroupsPath"/>, writes the limits and moves this process in; null when the bundle names no cgroup.</summary>
    /// <exception cref="OciException">The path is malformed or a folder, limit or move is refused; nothing is left behind.</exception>
    public static ContainerCgroup? Join(string? cgroupsPath, OciResources? resources)
    {
        if (string.IsNullOrEmpty(cgroupsPath)) return null;
        var segments = cgroupsPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (!cgroupsPath.StartsWith('/') && cgroupsPath.Contains(':'))
            throw new OciException($"linux.cgroupsPath '{cgroupsPath}' is in systemd's slice:prefix:name form; wasmbox-oci manages cgroupfs paths only, so run the engine with cgroup manager cgroupfs");
        if (segments.Length == 0 || segments.Any(s => s is "." or ".."))
            throw new OciException($"linux.cgroupsPath '{cgroupsPath}': write a cgroup path without '.' or '..'");

        var self = File.ReadAllText("/proc/self/cgroup");
        var unified = File.Exists(Path.Combine(Root, "cgroup.controllers"));
        var made = new List<string>();
        var returns = new List<(string Procs, string Back)>();
        var nestUnder = new List<string>();
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            foreach (var line in self.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(':', 3);
                if (parts.Length != 3) continue;
                var isV2 = parts[0] == "0";
                var controllers = parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries);
                var mount = isV2 ? (unified ? Root : Path.Combine(Root, "unified")) : Path.Combine(Root, parts[1]);
                var relative = cgroupsPath.StartsWith('/') ? string.Join('/', segments) : string.Join('/', [.. parts[2].Split('/', StringSplitOptions.RemoveEmptyEntries), .. segments]);
                if ((!isV2 && !controllers.Any(Joined.Contains)) || !Directory.Exists(mount) || new DirectoryInfo(mount).LinkTarget is not null)
                {
                    nestUnder.Add(line);
                    continue;
                }
                var dir = Path.Combine(mount, relative);
                MakeWithParents(mount, relative, isV2, made);
                WriteLimits(dir, isV2, resources);
                var member = dir;
                if (isV2)
                {
                    member = Path.Combine(dir, Leaf);
                    if (!Directory.Exists(member)) { Directory.CreateDirectory(member); made.Add(member); }
                }
                var back = Path.Combine(mount, parts[2].TrimStart('/'), "cgroup.procs");
                Write(Path.Combine(member, "cgroup.procs"), pid, "join");
                returns.Add((back, pid));
                nestUnder.Add($"{parts[0]}:{parts[1]}:/{relative}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OciException)
        {
            foreach (var (back, p) in returns) TryWrite(back, p);
            Remove(made);
            throw e as OciException ?? new OciException($"cannot make or join the container's cgroup {cgroupsPath}: {e.Message}");
        }
        WorkerCgroup.NestUnder = string.Join('\n', nestUnder) + "\n";
        made.Reverse();
        return new ContainerCgroup(made, returns);
    }

    /// <summary>Moves this process back and removes what <see cref="Join"/> made; never throws. Safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var (back, pid) in _returns) TryWrite(back, pid);
        Remove(Made);
    }

    /// <summary>
    /// For <c>delete</c> after the container process died without cleaning up (SIGKILL): removes the named folders,
    /// and the empty cgroups left below them (the worker's), deepest first. rmdir only: a cgroup that still holds a
    /// process stays, and nothing but cgroups is ever removed.
    /// </summary>
    public static void RemoveLeftovers(IEnumerable<string> made)
    {
        foreach (var dir in made.Where(d => d.StartsWith(Root + "/", StringComparison.Ordinal) && Directory.Exists(d)))
        {
            try
            {
                foreach (var child in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
                    TryRemove(child);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            TryRemove(dir);
        }
    }

    private static void Remove(IEnumerable<string> made)
    {
        foreach (var dir in made.OrderByDescending(d => d.Length))
        {
            // rmdir may say EBUSY for a moment after the last task left.
            for (var attempt = 0; attempt < 100 && Directory.Exists(dir) && !TryRemove(dir); attempt++) Thread.Sleep(10);
        }
    }

    private static bool TryRemove(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: false);
            return true;
        }
        catch (DirectoryNotFoundException) { return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// mkdir of each missing folder from the mount down; on cgroup2 each parent first hands the needed controllers down.
    /// Only the last folder, the container's own cgroup, is recorded in <paramref name="made"/>: parents stay, as runc
    /// leaves them, since other containers may be made in them at any moment.
    /// </summary>
    private static void MakeWithParents(string mount, string relative, bool isV2, List<string> made)
    {
        var dir = mount;
        var segments = relative.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var parent = dir;
            dir = Path.Combine(dir, segments[i]);
            if (isV2) EnableControllers(parent);
            if (Directory.Exists(dir)) continue;
            Directory.CreateDirectory(dir);
            if (i == segments.Length - 1) made.Add(dir);
        }
        if (isV2) EnableControllers(dir);
    }

    /// <summary>cgroup2: switches on, for the children of <paramref name="dir"/>, those of memory, cpu and pids it has.</summary>
    private static void EnableControllers(string dir)
    {
        var available = ReadWords(Path.Combine(dir, "cgroup.controllers"));
        var enabled = ReadWords(Path.Combine(dir, "cgroup.subtree_control"));
        foreach (var c in new[] { "memory", "cpu", "pids" }.Where(c => available.Contains(c) && !enabled.Contains(c)))
            Write(Path.Combine(dir, "cgroup.subtree_control"), "+" + c, "enable the controller in");
    }

    private static void WriteLimits(string dir, bool isV2, OciResources? resources)
    {
        if (resources?.Memory?.Limit is > 0 and var guest)
        {
            var value = MemoryLimitFor(guest).ToString(CultureInfo.InvariantCulture);
            // v1: memsw may never be below the memory limit, so the memory limit goes first (both start unlimited).
            if (WriteIfThere(dir, isV2 ? "memory.max" : "memory.limit_in_bytes", value))
                WriteIfThere(dir, isV2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes", isV2 ? "0" : value);
        }
        if (resources?.Cpu is { Quota: > 0 and var quota } cpu)
        {
            var period = (cpu.Period is > 0 and var p ? p : (ulong)CgroupLimits.CpuPeriodMicroseconds).ToString(CultureInfo.InvariantCulture);
            var q = quota.ToString(CultureInfo.InvariantCulture);
            if (isV2) WriteIfThere(dir, "cpu.max", $"{q} {period}");
            else if (WriteIfThere(dir, "cpu.cfs_period_us", period)) WriteIfThere(dir, "cpu.cfs_quota_us", q);
        }
        if (resources?.Pids?.Limit is >= MinimumPids and var pids)
            WriteIfThere(dir, "pids.max", pids.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Writes a limit file when this hierarchy has it (the controller is here); false when it does not.</summary>
    private static bool WriteIfThere(string dir, string file, string value)
    {
        var path = Path.Combine(dir, file);
        if (!File.Exists(path)) return false;
        Write(path, value, "write");
        return true;
    }

    private static void Write(string path, string value, string what)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            RandomAccess.Write(handle, System.Text.Encoding.ASCII.GetBytes(value), 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OciException($"cannot {what} {path} ('{value}'): {e.Message}; the container's cgroup (linux.cgroupsPath) must be writable");
        }
    }

    private static void TryWrite(string path, string value)
    {
        try { Write(path, value, "write"); }
        catch (OciException) { }
    }

    private static string[] ReadWords(string path)
    {
        try { return File.ReadAllText(path).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }
}
