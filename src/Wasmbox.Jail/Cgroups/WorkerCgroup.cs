using System.Diagnostics;
using System.Globalization;
using Wasmbox.Jail.Probes;

namespace Wasmbox.Jail.Cgroups;

/// <summary>
/// One worker's cgroup: on cgroup v2 one directory; on v1 and hybrid hosts one directory per controller hierarchy it
/// uses, plus one in the cgroup2 mount when there is one (for <c>cgroup.kill</c>, CPU usage and a reliable member list).
/// </summary>
/// <remarks>
/// <para>Overview. The worker must be inside the cgroup before it can fork, or bwrap's children escape the limits:
/// moving a process moves it alone, never its descendants. So the cgroup is made first, empty; the launch script
/// (<see cref="Limits.LaunchScript"/>) writes its own pid into every <see cref="ProcsFiles"/> entry and only then execs
/// bwrap. See docs/RATIONALE.md, "Why does the worker join its cgroup from a shell, before exec?".</para>
/// <para>Which directories. Each is named <c>wasmbox-&lt;name&gt;</c> and made under this process's own cgroup in
/// that hierarchy, as <c>/proc/self/cgroup</c> names it; nothing else is ever created, written or removed, except that
/// on cgroup v2 a requested controller is switched on in our own cgroup's <c>cgroup.subtree_control</c>. A limit
/// comes from the v1 hierarchy of its controller when there is one, otherwise from cgroup v2. A hierarchy is used
/// when a limit needs it, or to observe: memory (peaks, OOM kills) always; cpuacct and the freezer on v1 only when
/// there is no cgroup2 directory with <c>cpu.stat</c> and <c>cgroup.kill</c>/<c>cgroup.freeze</c>.</para>
/// <para>Lifetime. <see cref="Dispose"/> kills whatever is left and removes exactly the directories this instance
/// made. Read the usage (<see cref="OomKills"/>, <see cref="CpuUsage"/>, <see cref="PeakMemoryBytes"/>) before it.
/// <see cref="Kill"/> and <see cref="Dispose"/> may be called from different threads.</para>
/// </remarks>
public sealed class WorkerCgroup : IDisposable
{
    /// <summary>Every directory this class makes starts with this, so a leftover is easy to recognise.</summary>
    public const string DirectoryPrefix = "wasmbox-";

    /// <summary>How long <see cref="Kill"/> waits for the cgroup to empty, and <see cref="Dispose"/> for rmdir to stop saying EBUSY.</summary>
    internal TimeSpan WaitLimit { get; set; } = TimeSpan.FromSeconds(2);

    private const int EEXIST = 17, ENOENT = 2, EBUSY = 16;

    private readonly CgroupFs _fs;
    private readonly IReadOnlyList<string> _directories;
    private readonly string _members;
    private readonly string? _killFile;
    private readonly Node? _memory, _cpuUsage, _freezer;
    private readonly Lock _gate = new();
    private IReadOnlyList<string> _leaked = [];
    private bool _disposed;

    /// <summary>A cgroup directory and which version's file names it has.</summary>
    private sealed record Node(string Dir, bool IsV2);

    /// <summary>Where this process sits in one hierarchy: its own cgroup directory, and the controllers it offers.</summary>
    /// <param name="Id">The hierarchy id from /proc/self/cgroup; 0 is cgroup v2.</param>
    /// <param name="Controllers">v1: the controllers mounted together; v2: the parent's <c>cgroup.controllers</c>.</param>
    private sealed record Hierarchy(int Id, string Parent, IReadOnlyList<string> Controllers)
    {
        public bool IsV2 => Id == 0;
    }

    private WorkerCgroup(CgroupFs fs, IReadOnlyList<string> directories, string members, string? killFile,
        Node? memory, Node? cpuUsage, Node? freezer, bool enforcesMemory, bool enforcesPids, bool enforcesCpu)
    {
        _fs = fs;
        _directories = directories;
        _members = members;
        _killFile = killFile;
        _memory = memory;
        _cpuUsage = cpuUsage;
        _freezer = freezer;
        EnforcesMemory = enforcesMemory;
        EnforcesPids = enforcesPids;
        EnforcesCpu = enforcesCpu;
    }

    /// <summary>The directories made, in the order they were made.</summary>
    public IReadOnlyList<string> Directories => _directories;

    /// <summary>The <c>cgroup.procs</c> files the launch script writes its pid into before it execs.</summary>
    public IReadOnlyList<string> ProcsFiles => [.. _directories.Select(d => Path.Combine(d, "cgroup.procs"))];

    public bool EnforcesMemory { get; }
    public bool EnforcesPids { get; }
    public bool EnforcesCpu { get; }

    /// <summary>Directories <see cref="Dispose"/> could not remove (still busy after 2 s, or refused); empty after a clean one.</summary>
    public IReadOnlyList<string> Leaked => _leaked;

    /// <summary>
    /// Makes <c>wasmbox-&lt;name&gt;</c> under this process's own cgroup in each hierarchy used, and writes the limits.
    /// </summary>
    /// <param name="name">Letters, digits and '-', 1 to 64 of them; unique among live workers.</param>
    /// <returns>Null when no limit was asked for and no hierarchy is usable here.</returns>
    /// <exception cref="ArgumentException">A bad name, or a limit no kernel takes.</exception>
    /// <exception cref="JailSetupException">A requested limit cannot be enforced on this host, or the directory already
    /// exists. Nothing is left behind.</exception>
    public static WorkerCgroup? Create(string name, CgroupLimits limits)
    {
        string self;
        try { self = NestUnder ?? File.ReadAllText("/proc/self/cgroup"); }
        catch (IOException) { self = ""; }
        catch (UnauthorizedAccessException) { self = ""; }
        return Create(name, limits, CgroupProbe.DefaultRoot, self, CgroupFs.Real);
    }

    /// <summary>
    /// Where this process's workers' cgroups are made, in <c>/proc/self/cgroup</c>'s form (<c>ID:CONTROLLERS:PATH</c> per
    /// line); null (the default) means this process's own cgroups. Set once, before any worker starts, by a process
    /// that must not sit in the cgroup its workers nest under.
    /// </summary>
    /// <remarks>
    /// Why: wasmbox-oci's container process runs in the container's cgroup (<c>linux.cgroupsPath</c>) and the worker
    /// must nest below it. On cgroup v2 a cgroup that holds a process cannot give controllers to its children (the
    /// "no internal processes" rule), so there the container process sits in a leaf beside the worker's cgroup, and
    /// this names the container's cgroup as the workers' parent.
    /// </remarks>
    public static string? NestUnder { get; set; }

    /// <summary><see cref="Create(string, CgroupLimits)"/> against any mount root and /proc/self/cgroup text.</summary>
    /// <param name="useV2">False ignores the cgroup2 mount, so a hybrid host behaves as a v1-only one.</param>
    internal static WorkerCgroup? Create(string name, CgroupLimits limits, string root, string procSelfCgroup, CgroupFs fs, bool useV2 = true)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        var dirName = DirectoryPrefix + name;
        var memberships = CgroupProbe.ParseProcSelfCgroup(procSelfCgroup);
        var layout = CgroupProbe.DetectLayout(root);
        var v2 = useV2 ? FindV2(fs, root, layout, memberships) : null;
        Hierarchy? V1(string controller) =>
            layout is CgroupLayout.V1 or CgroupLayout.Hybrid ? FindV1(fs, root, memberships, controller) : null;
        Hierarchy? Source(string controller) =>
            V1(controller) ?? (v2 is not null && v2.Controllers.Contains(controller) ? v2 : null);

        var memory = Source("memory");
        var pids = Source("pids");
        var cpu = Source("cpu");
        var requested = new List<(string Controller, Hierarchy Where)>();
        void Require(bool asked, string controller, Hierarchy? where, string what)
        {
            if (!asked) return;
            if (where is null)
                throw new JailSetupException($"cannot enforce the {what} limit: no {controller} cgroup controller is mounted under {root} " +
                                             "for this process; run 'wasmbox doctor', or drop the limit");
            requested.Add((controller, where));
        }
        Require(limits.MemoryBytes is not null, "memory", memory, "memory");
        Require(limits.Pids is not null, "pids", pids, "process count");
        Require(limits.Cpus is not null, "cpu", cpu, "CPU");

        if (v2 is not null) EnableForChildren(fs, v2, [.. requested.Where(r => r.Where.IsV2).Select(r => r.Controller)]);
        SweepStale(fs, new[] { v2, memory, pids, cpu, V1("cpuacct"), V1("freezer") }.OfType<Hierarchy>().Select(h => h.Parent).Distinct());

        var created = new List<string>();
        try
        {
            string? v2Dir = v2 is null ? null : MakeCgroup(fs, v2.Parent, dirName, name, requested.Any(r => r.Where.IsV2), created);
            bool V2Has(string file) => v2Dir is not null && fs.FileExists(Path.Combine(v2Dir, file));

            // v1 hierarchies in a fixed order; co-mounted controllers share one directory.
            var wanted = new List<Hierarchy?> { V1("memory") };
            wanted.AddRange(requested.Where(r => !r.Where.IsV2).Select(r => r.Where));
            if (!V2Has("cpu.stat")) wanted.Add(V1("cpuacct"));
            if (!V2Has("cgroup.kill") && !V2Has("cgroup.freeze")) wanted.Add(V1("freezer"));
            var v1Dirs = new Dictionary<int, string>();
            foreach (var h in wanted.OfType<Hierarchy>().DistinctBy(h => h.Id))
            {
                var dir = MakeCgroup(fs, h.Parent, dirName, name, requested.Any(r => r.Where.Id == h.Id), created);
                if (dir is not null) v1Dirs[h.Id] = dir;
            }
            if (created.Count == 0) return null;

            string DirOf(Hierarchy h) => h.IsV2 ? v2Dir! : v1Dirs[h.Id];
            if (limits.MemoryBytes is { } bytes) WriteMemoryLimit(fs, DirOf(memory!), memory!.IsV2, bytes);
            if (limits.Pids is { } max) WriteLimit(fs, DirOf(pids!), "pids.max", max.ToString(CultureInfo.InvariantCulture), "process count");
            if (limits.CpuQuotaMicroseconds is { } quota) WriteCpuLimit(fs, DirOf(cpu!), cpu!.IsV2, quota);

            string? V1Dir(string controller) => V1(controller) is { } h && v1Dirs.TryGetValue(h.Id, out var d) ? d : null;
            var memoryNode = V1Dir("memory") is { } m ? new Node(m, false) : V2Has("memory.events") ? new Node(v2Dir!, true) : null;
            var cpuNode = V2Has("cpu.stat") ? new Node(v2Dir!, true) : V1Dir("cpuacct") is { } a ? new Node(a, false) : null;
            var freezerNode = V2Has("cgroup.freeze") ? new Node(v2Dir!, true) : V1Dir("freezer") is { } f ? new Node(f, false) : null;
            return new WorkerCgroup(fs, created, v2Dir ?? created[0], V2Has("cgroup.kill") ? Path.Combine(v2Dir!, "cgroup.kill") : null,
                memoryNode, cpuNode, freezerNode,
                limits.MemoryBytes is not null, limits.Pids is not null, limits.Cpus is not null);
        }
        catch
        {
            for (var i = created.Count - 1; i >= 0; i--) fs.RemoveDirectory(created[i]);
            throw;
        }
    }

    /// <summary>
    /// Removes cgroups that an earlier wasmbox left behind: <c>wasmbox-PID-…</c> under our own cgroup whose PID no longer
    /// exists and that hold no task. Only a SIGKILLed wasmbox (which cannot clean up) leaves them; its workers die with it
    /// (bubblewrap's --die-with-parent), so their cgroups are empty. A cgroup that still holds a task is left alone, so
    /// a wasmbox in another pid namespace sharing this parent is never disturbed (rmdir of a busy cgroup fails).
    /// </summary>
    /// <remarks>At most once a minute per process: one readdir per hierarchy (median 0.07 ms for the six of this host, docs/RATIONALE.md).</remarks>
    internal static int SweepStale(CgroupFs fs, IEnumerable<string> parents)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastSweep);
        if (last != 0 && now - last < 60_000) return 0;
        if (Interlocked.CompareExchange(ref _lastSweep, now, last) != last) return 0;
        return SweepStaleNow(fs, parents);
    }

    /// <summary><see cref="SweepStale"/> without the rate limit; returns how many directories it removed.</summary>
    internal static int SweepStaleNow(CgroupFs fs, IEnumerable<string> parents)
    {
        var removed = 0;
        foreach (var parent in parents)
        {
            foreach (var name in fs.ListDirectories(parent))
            {
                if (!name.StartsWith(DirectoryPrefix, StringComparison.Ordinal)) continue;
                var rest = name[DirectoryPrefix.Length..];
                var dash = rest.IndexOf('-');
                if (dash <= 0 || !int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var owner)) continue;
                if (owner == Environment.ProcessId || fs.ProcessExists(owner)) continue;
                var dir = Path.Combine(parent, name);
                var procs = fs.ReadFile(Path.Combine(dir, "cgroup.procs"));
                if (procs is null || procs.Trim().Length > 0) continue;
                if (fs.RemoveDirectory(dir) == 0) removed++;
            }
        }
        return removed;
    }

    private static long _lastSweep;

    /// <summary>OOM kills in the cgroup so far: v2 <c>memory.events</c>, v1 <c>memory.oom_control</c>; 0 without a memory cgroup.</summary>
    public long OomKills()
    {
        ThrowIfDisposed();
        if (_memory is null) return 0;
        return ReadKey(Path.Combine(_memory.Dir, _memory.IsV2 ? "memory.events" : "memory.oom_control"), "oom_kill") ?? 0;
    }

    /// <summary>CPU time used by everything that ran in the cgroup: v2 <c>cpu.stat</c> usage_usec, v1 <c>cpuacct.usage</c>; null when neither is here.</summary>
    public TimeSpan? CpuUsage()
    {
        ThrowIfDisposed();
        if (_cpuUsage is null) return null;
        if (_cpuUsage.IsV2)
            return ReadKey(Path.Combine(_cpuUsage.Dir, "cpu.stat"), "usage_usec") is { } us ? TimeSpan.FromMicroseconds(us) : null;
        return ReadNumber(Path.Combine(_cpuUsage.Dir, "cpuacct.usage")) is { } ns ? TimeSpan.FromTicks(ns / 100) : null;
    }

    /// <summary>The cgroup's highest memory use: v2 <c>memory.peak</c> (Linux 5.19+), v1 <c>memory.max_usage_in_bytes</c>; null when not available.</summary>
    public long? PeakMemoryBytes()
    {
        ThrowIfDisposed();
        if (_memory is null) return null;
        return ReadNumber(Path.Combine(_memory.Dir, _memory.IsV2 ? "memory.peak" : "memory.max_usage_in_bytes"));
    }

    /// <summary>The cgroup's memory use now: v2 <c>memory.current</c>, v1 <c>memory.usage_in_bytes</c>; null without a memory cgroup.</summary>
    public long? CurrentMemoryBytes()
    {
        ThrowIfDisposed();
        if (_memory is null) return null;
        return ReadNumber(Path.Combine(_memory.Dir, _memory.IsV2 ? "memory.current" : "memory.usage_in_bytes"));
    }

    /// <summary>The processes in the cgroup now (thread-group ids from <c>cgroup.procs</c>).</summary>
    public IReadOnlyList<int> Pids()
    {
        ThrowIfDisposed();
        return ReadMembers();
    }

    /// <summary>
    /// Kills every process in the cgroup and waits, at most 2 s, until it is empty. True when it is.
    /// </summary>
    /// <remarks>
    /// With <c>cgroup.kill</c> (cgroup2, Linux 5.14+) the kernel kills all members at once, forks in flight included.
    /// Otherwise: freeze (cgroup2 <c>cgroup.freeze</c> or the v1 freezer) so nothing can fork, SIGKILL every member,
    /// thaw so the kills land, and SIGKILL whatever is still listed while waiting. See docs/RATIONALE.md.
    /// </remarks>
    public bool Kill()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return KillCore(useKillFile: true);
        }
    }

    /// <summary>Kill without <c>cgroup.kill</c>: the freeze, SIGKILL, thaw path, for tests on hosts that have both.</summary>
    internal bool KillBySignals()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return KillCore(useKillFile: false);
        }
    }

    /// <summary>
    /// Sets the memory limit of a cgroup made with one to <paramref name="bytes"/>, or to none (null), leaving the files
    /// exactly as <see cref="Create(string, CgroupLimits)"/> with that limit would have: a pooled worker's cgroup, made
    /// with the runtime's headroom alone, when the worker is handed its sandbox (<see cref="Workers.WorkerPool"/>).
    /// </summary>
    /// <remarks>Only ever raises, so what the worker already uses stays within the limit, and the write neither reclaims
    /// nor kills. v1: memsw may never be below the memory limit, so it goes first when raising.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A limit below the one in force.</exception>
    /// <exception cref="JailSetupException">The kernel refused the write.</exception>
    public void RaiseMemoryLimit(long? bytes)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!EnforcesMemory || _memory is null) throw new InvalidOperationException("this cgroup was made without a memory limit");
            var dir = _memory.Dir;
            var current = ReadNumber(Path.Combine(dir, _memory.IsV2 ? "memory.max" : "memory.limit_in_bytes"));
            if (bytes is { } b && current is { } c && b < c)
                throw new ArgumentOutOfRangeException(nameof(bytes), bytes, $"the memory limit can only be raised here (it is {c})");
            if (_memory.IsV2)
            {
                WriteLimit(_fs, dir, "memory.max", bytes?.ToString(CultureInfo.InvariantCulture) ?? "max", "memory");
                // Create writes swap.max 0 only with a memory limit; without one it stays at the kernel's default.
                if (bytes is null && _fs.FileExists(Path.Combine(dir, "memory.swap.max"))) WriteLimit(_fs, dir, "memory.swap.max", "max", "memory");
                return;
            }
            var value = bytes?.ToString(CultureInfo.InvariantCulture) ?? "-1";
            if (_fs.FileExists(Path.Combine(dir, "memory.memsw.limit_in_bytes"))) WriteLimit(_fs, dir, "memory.memsw.limit_in_bytes", value, "memory");
            WriteLimit(_fs, dir, "memory.limit_in_bytes", value, "memory");
        }
    }

    /// <summary>The memory limit files as the kernel shows them ("memory.max 123" …), for tests that compare two cgroups.</summary>
    internal IReadOnlyList<string> MemoryLimitReadings()
    {
        ThrowIfDisposed();
        if (_memory is null) return [];
        string[] files = _memory.IsV2 ? ["memory.max", "memory.swap.max"] : ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"];
        return [.. files.Select(f => $"{f} {_fs.ReadFile(Path.Combine(_memory.Dir, f))?.Trim() ?? "absent"}")];
    }

    /// <summary>Kills what is left, then removes every directory this instance made (rmdir only, never recursive).</summary>
    /// <remarks>Never throws; what could not be removed is listed in <see cref="Leaked"/>.</remarks>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            if (ReadMembers().Count > 0) KillCore(useKillFile: true);
            var leaked = new List<string>();
            // Reverse creation order: the cgroup2 directory, made first, goes last.
            for (var i = _directories.Count - 1; i >= 0; i--)
                if (!Remove(_directories[i])) leaked.Add(_directories[i]);
            _leaked = leaked;
            _disposed = true;
        }
    }

    private bool KillCore(bool useKillFile)
    {
        var clock = Stopwatch.StartNew();
        if (useKillFile && _killFile is not null && TryWrite(_killFile, "1")) return WaitUntilEmpty(clock, signalStragglers: false);

        var frozen = _freezer is not null && Freeze(_freezer, clock);
        foreach (var pid in ReadMembers()) _fs.SendSigkill(pid);
        if (_freezer is not null) TryWrite(FreezerFile(_freezer), _freezer.IsV2 ? "0" : "THAWED");
        // Without a freezer a member can fork between the read and the kill, so keep killing whatever is listed.
        return WaitUntilEmpty(clock, signalStragglers: !frozen);
    }

    private static string FreezerFile(Node freezer) => Path.Combine(freezer.Dir, freezer.IsV2 ? "cgroup.freeze" : "freezer.state");

    /// <summary>Asks for a freeze and waits until the kernel reports it done. False if it never was.</summary>
    private bool Freeze(Node freezer, Stopwatch clock)
    {
        if (!TryWrite(FreezerFile(freezer), freezer.IsV2 ? "1" : "FROZEN")) return false;
        while (clock.Elapsed < WaitLimit / 2)
        {
            var done = freezer.IsV2
                ? ReadKey(Path.Combine(freezer.Dir, "cgroup.events"), "frozen") == 1
                : _fs.ReadFile(FreezerFile(freezer))?.Trim() == "FROZEN";
            if (done) return true;
            Thread.Sleep(1);
        }
        return false;
    }

    private bool WaitUntilEmpty(Stopwatch clock, bool signalStragglers)
    {
        while (true)
        {
            var left = ReadMembers();
            if (left.Count == 0) return true;
            if (clock.Elapsed >= WaitLimit) return false;
            if (signalStragglers) foreach (var pid in left) _fs.SendSigkill(pid);
            Thread.Sleep(1);
        }
    }

    /// <summary>rmdir, retried while the kernel still says EBUSY (tasks not yet gone).</summary>
    private bool Remove(string dir)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var err = _fs.RemoveDirectory(dir);
            if (err is 0 or ENOENT) return true;
            if (err != EBUSY || clock.Elapsed >= WaitLimit) return false;
            Thread.Sleep(5);
        }
    }

    private IReadOnlyList<int> ReadMembers()
    {
        var text = _fs.ReadFile(Path.Combine(_members, "cgroup.procs"));
        if (text is null) return [];
        var pids = new List<int>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) pids.Add(pid);
        return pids;
    }

    private bool TryWrite(string path, string value)
    {
        try { _fs.WriteFile(path, value); return true; }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>The number after <paramref name="key"/> in a "key value" per line file.</summary>
    private long? ReadKey(string path, string key)
    {
        foreach (var line in (_fs.ReadFile(path) ?? "").Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return v;
        }
        return null;
    }

    private long? ReadNumber(string path) =>
        long.TryParse(_fs.ReadFile(path)?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    internal static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw new ArgumentException($"a worker cgroup name is 1 to 64 ASCII letters, digits or '-', not '{name}'", nameof(name));
    }

    private static Hierarchy? FindV2(CgroupFs fs, string root, CgroupLayout layout, IReadOnlyList<CgroupMembership> memberships)
    {
        if (layout is not (CgroupLayout.Unified or CgroupLayout.Hybrid)) return null;
        var member = memberships.FirstOrDefault(m => m.HierarchyId == 0);
        var mount = layout == CgroupLayout.Unified ? root : Path.Combine(root, "unified");
        if (member is null || OwnCgroup(fs, mount, member.Path) is not { } parent) return null;
        var controllers = (fs.ReadFile(Path.Combine(parent, "cgroup.controllers")) ?? "").Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return new Hierarchy(0, parent, controllers);
    }

    private static Hierarchy? FindV1(CgroupFs fs, string root, IReadOnlyList<CgroupMembership> memberships, string controller)
    {
        var member = memberships.FirstOrDefault(m => m.HierarchyId != 0 && m.Controllers.Contains(controller));
        if (member is null) return null;
        // Co-mounted controllers live at /sys/fs/cgroup/cpu,cpuacct; /sys/fs/cgroup/cpu is then a symlink, never followed.
        foreach (var mount in new[] { string.Join(',', member.Controllers), controller }.Distinct().Select(n => Path.Combine(root, n)))
        {
            if (!fs.IsRealDirectory(mount) || !fs.FileExists(Path.Combine(mount, "cgroup.procs"))) continue;
            return OwnCgroup(fs, mount, member.Path) is { } parent ? new Hierarchy(member.HierarchyId, parent, member.Controllers) : null;
        }
        return null;
    }

    /// <summary>This process's cgroup directory under a mount; null when it is outside our cgroup namespace ("/..") or missing.</summary>
    private static string? OwnCgroup(CgroupFs fs, string mount, string cgroupPath)
    {
        var segments = cgroupPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s is "." or "..")) return null;
        var dir = segments.Length == 0 ? mount : Path.Combine([mount, .. segments]);
        return fs.IsRealDirectory(dir) ? dir : null;
    }

    /// <summary>cgroup v2 gives a child only the controllers its parent lists in <c>cgroup.subtree_control</c>.</summary>
    private static void EnableForChildren(CgroupFs fs, Hierarchy v2, IReadOnlyList<string> controllers)
    {
        var control = Path.Combine(v2.Parent, "cgroup.subtree_control");
        var enabled = (fs.ReadFile(control) ?? "").Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        foreach (var c in controllers.Except(enabled))
        {
            try { fs.WriteFile(control, "+" + c); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new JailSetupException($"cannot enable the {c} controller for child cgroups of {v2.Parent} ({e.Message}); " +
                                             "a cgroup with processes of its own cannot, so start wasmbox in a leaf cgroup of a delegated subtree " +
                                             "(systemd: Delegate=yes); see 'wasmbox doctor'", e);
            }
        }
    }

    /// <summary>mkdir of one worker directory. Null when it could not be made and nothing needs it.</summary>
    private static string? MakeCgroup(CgroupFs fs, string parent, string dirName, string name, bool required, List<string> created)
    {
        var dir = Path.Combine(parent, dirName);
        var err = fs.MakeDirectory(dir);
        if (err == 0)
        {
            created.Add(dir);
            return dir;
        }
        if (err == EEXIST)
            throw new JailSetupException($"cgroup {dir} already exists (mkdir: EEXIST): a worker named '{name}' is running, or an earlier run " +
                                         "left it behind; use another name, or rmdir it once it is empty");
        if (required)
            throw new JailSetupException($"cannot create cgroup {dir} (mkdir: {CgroupFs.ErrnoName(err)}); give wasmbox a cgroup it can write, " +
                                         "see 'wasmbox doctor'");
        return null;
    }

    /// <remarks>
    /// v1: <c>memory.memsw.limit_in_bytes</c> (memory + swap) must never be below <c>memory.limit_in_bytes</c>, or the
    /// kernel answers EINVAL, so the memory limit goes first (both start unlimited) and memsw is set to the same value:
    /// no swap beyond the limit. v2: <c>memory.swap.max</c> 0 for the same reason. Either file is absent when the kernel
    /// does not account swap; then there is no swap to escape into through this cgroup.
    /// </remarks>
    private static void WriteMemoryLimit(CgroupFs fs, string dir, bool isV2, long bytes)
    {
        var value = bytes.ToString(CultureInfo.InvariantCulture);
        WriteLimit(fs, dir, isV2 ? "memory.max" : "memory.limit_in_bytes", value, "memory");
        var swap = isV2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
        if (fs.FileExists(Path.Combine(dir, swap))) WriteLimit(fs, dir, swap, isV2 ? "0" : value, "memory");
    }

    private static void WriteCpuLimit(CgroupFs fs, string dir, bool isV2, long quota)
    {
        var period = CgroupLimits.CpuPeriodMicroseconds.ToString(CultureInfo.InvariantCulture);
        var q = quota.ToString(CultureInfo.InvariantCulture);
        if (isV2)
        {
            WriteLimit(fs, dir, "cpu.max", $"{q} {period}", "CPU");
            return;
        }
        // The period first: a quota is checked against the period in force.
        WriteLimit(fs, dir, "cpu.cfs_period_us", period, "CPU");
        WriteLimit(fs, dir, "cpu.cfs_quota_us", q, "CPU");
    }

    private static void WriteLimit(CgroupFs fs, string dir, string file, string value, string what)
    {
        var path = Path.Combine(dir, file);
        if (!fs.FileExists(path))
            throw new JailSetupException($"cannot enforce the {what} limit: {path} does not exist, so that controller is not enabled there; " +
                                         "see 'wasmbox doctor'");
        try { fs.WriteFile(path, value); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JailSetupException($"cannot enforce the {what} limit: writing {value} to {path} failed ({e.Message}); see 'wasmbox doctor'", e);
        }
    }
}
