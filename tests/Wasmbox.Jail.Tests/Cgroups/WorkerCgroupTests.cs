using Wasmbox.Jail.Cgroups;

namespace Wasmbox.Jail.Tests.Cgroups;

/// <summary>WorkerCgroup on fake /sys/fs/cgroup trees: where it makes directories, what it writes, what it refuses, what it removes.</summary>
public class WorkerCgroupTests
{
    /// <summary>/proc/self/cgroup on the study machine: v1 controllers on their own mounts, memory nested, cgroup2 at the root.</summary>
    private const string HybridSelf = """
        9:name=systemd:/
        8:pids:/
        6:freezer:/
        4:memory:/process_api/abc
        2:cpuacct:/
        1:cpu:/
        0::/
        """;

    private static readonly CgroupLimits All = new(64L << 20, 16, 0.5);

    /// <summary>The study machine's shape: hybrid, cgroup2 without controllers at unified/.</summary>
    private static TempDir HybridTree()
    {
        var root = new TempDir("wasmbox-cgtree");
        root.Write("unified/cgroup.controllers", "");
        root.Write("unified/cgroup.subtree_control", "");
        root.Write("unified/cgroup.procs", "");
        foreach (var c in new[] { "memory", "pids", "cpu", "cpuacct", "freezer", "systemd" }) root.Write($"{c}/cgroup.procs", "");
        root.Write("memory/process_api/abc/cgroup.procs", "1\n");
        return root;
    }

    /// <summary>A pure cgroup v2 host; this process sits in svc/, which offers <paramref name="controllers"/>.</summary>
    private static TempDir UnifiedTree(string controllers)
    {
        var root = new TempDir("wasmbox-cgtree");
        root.Write("cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
        root.Write("cgroup.subtree_control", "cpu memory pids\n");
        root.Write("svc/cgroup.controllers", controllers + "\n");
        root.Write("svc/cgroup.subtree_control", "");
        root.Write("svc/cgroup.procs", "1\n");
        return root;
    }

    private static string Read(TempDir root, string rel) => File.ReadAllText(root.File(rel)).Trim();

    [Fact]
    public void Create_HybridTree_OneDirectoryPerUsedHierarchyUnderOwnCgroupWithLimits()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);

        using var cg = WorkerCgroup.Create("w1", All, root.Path, HybridSelf, fs)!;

        // cgroup2 first (kill, usage, members), then memory, pids, cpu. No cpuacct or freezer: cgroup2 covers them.
        Assert.Equal(["unified/wasmbox-w1", "memory/process_api/abc/wasmbox-w1", "pids/wasmbox-w1", "cpu/wasmbox-w1"],
            cg.Directories.Select(fs.Rel));
        Assert.Equal(cg.Directories.Select(d => Path.Combine(d, "cgroup.procs")), cg.ProcsFiles);
        Assert.Equal("67108864", Read(root, "memory/process_api/abc/wasmbox-w1/memory.limit_in_bytes"));
        Assert.Equal("67108864", Read(root, "memory/process_api/abc/wasmbox-w1/memory.memsw.limit_in_bytes"));
        Assert.Equal("16", Read(root, "pids/wasmbox-w1/pids.max"));
        Assert.Equal("100000", Read(root, "cpu/wasmbox-w1/cpu.cfs_period_us"));
        Assert.Equal("50000", Read(root, "cpu/wasmbox-w1/cpu.cfs_quota_us"));
        Assert.True(cg.EnforcesMemory && cg.EnforcesPids && cg.EnforcesCpu);
        Assert.DoesNotContain(fs.Writes, w => !w.Path.Contains("wasmbox-w1"));
    }

    [Fact]
    public void Create_V1Memory_LimitWrittenBeforeMemsw()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);

        // The fake kernel refuses memsw below the limit, as the real one does (EINVAL): the other order would throw here.
        using var cg = WorkerCgroup.Create("w1", new CgroupLimits(100L << 20, null, null), root.Path, HybridSelf, fs)!;

        var files = fs.Writes.Select(w => Path.GetFileName(w.Path)).ToList();
        Assert.True(files.IndexOf("memory.limit_in_bytes") < files.IndexOf("memory.memsw.limit_in_bytes"), string.Join(", ", files));
        Assert.False(cg.EnforcesPids || cg.EnforcesCpu);
        Assert.DoesNotContain(cg.Directories, d => d.Contains("/pids/") || d.Contains("/cpu/"));
    }

    [Fact]
    public void Create_V1WithoutSwapAccounting_SetsLimitOnly()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path) { SwapAccounting = false };

        using var cg = WorkerCgroup.Create("w1", new CgroupLimits(1L << 20, null, null), root.Path, HybridSelf, fs)!;

        Assert.Equal(["memory/process_api/abc/wasmbox-w1/memory.limit_in_bytes"], fs.Writes.Select(w => w.Path));
    }

    [Fact]
    public void Create_V1OnlyHost_AddsCpuacctAndFreezerForUsageAndKill()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);

        using var cg = WorkerCgroup.Create("w1", CgroupLimits.None, root.Path, HybridSelf, fs, useV2: false)!;

        Assert.Equal(["memory/process_api/abc/wasmbox-w1", "cpuacct/wasmbox-w1", "freezer/wasmbox-w1"], cg.Directories.Select(fs.Rel));
        Assert.False(cg.EnforcesMemory || cg.EnforcesPids || cg.EnforcesCpu);
        Assert.Empty(fs.Writes);
    }

    [Fact]
    public void Create_ComountedCpuCpuacctBehindSymlink_UsesTheRealMountOnce()
    {
        using var root = new TempDir("wasmbox-cgtree");
        root.Write("memory/cgroup.procs", "");
        root.Write("cpu,cpuacct/cgroup.procs", "");
        File.CreateSymbolicLink(root.File("cpu"), "cpu,cpuacct");
        File.CreateSymbolicLink(root.File("cpuacct"), "cpu,cpuacct");
        var fs = new FakeCgroupKernel(root.Path);

        using var cg = WorkerCgroup.Create("w1", new CgroupLimits(null, null, 1.5), root.Path, "2:cpu,cpuacct:/\n1:memory:/\n", fs)!;

        Assert.Equal(["memory/wasmbox-w1", "cpu,cpuacct/wasmbox-w1"], cg.Directories.Select(fs.Rel));
        Assert.Equal("150000", Read(root, "cpu,cpuacct/wasmbox-w1/cpu.cfs_quota_us"));
    }

    [Fact]
    public void Create_UnifiedTree_EnablesControllersForChildrenAndWritesV2Files()
    {
        using var root = UnifiedTree("cpu memory pids");
        var fs = new FakeCgroupKernel(root.Path);

        using var cg = WorkerCgroup.Create("w1", new CgroupLimits(64L << 20, 16, 0.25), root.Path, "0::/svc\n", fs)!;

        Assert.Equal(["svc/wasmbox-w1"], cg.Directories.Select(fs.Rel));
        Assert.Equal(["+memory", "+pids", "+cpu"], fs.Writes.Where(w => w.Path == "svc/cgroup.subtree_control").Select(w => w.Value));
        Assert.Equal("67108864", Read(root, "svc/wasmbox-w1/memory.max"));
        Assert.Equal("0", Read(root, "svc/wasmbox-w1/memory.swap.max"));
        Assert.Equal("16", Read(root, "svc/wasmbox-w1/pids.max"));
        Assert.Equal("25000 100000", Read(root, "svc/wasmbox-w1/cpu.max"));
    }

    [Fact]
    public void Create_UnifiedControllerNotDelegated_ThrowsNamingItAndLeavesTreeAlone()
    {
        using var root = UnifiedTree("cpu memory");
        var before = HostSnapshot.Of(root.Path);

        var e = Assert.Throws<JailSetupException>(() =>
            WorkerCgroup.Create("w1", new CgroupLimits(64L << 20, 16, null), root.Path, "0::/svc\n", new FakeCgroupKernel(root.Path)));

        Assert.Contains("process count limit", e.Message);
        Assert.Contains("no pids cgroup controller", e.Message);
        Assert.Contains("wasmbox doctor", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(HostSnapshot.Of(root.Path).DiffFrom(before));
    }

    [Fact]
    public void Create_UnifiedParentHasProcesses_ThrowsWithLeafCgroupHint()
    {
        using var root = UnifiedTree("cpu memory pids");
        var fs = new FakeCgroupKernel(root.Path);
        fs.BusySubtreeControls.Add(root.File("svc/cgroup.subtree_control"));

        var e = Assert.Throws<JailSetupException>(() => WorkerCgroup.Create("w1", new CgroupLimits(64L << 20, null, null), root.Path, "0::/svc\n", fs));

        Assert.Contains("cannot enable the memory controller", e.Message);
        Assert.Contains("leaf cgroup", e.Message);
        Assert.False(Directory.Exists(root.File("svc/wasmbox-w1")));
    }

    [Fact]
    public void Create_HybridWithoutCpuMount_CpuLimitThrowsAndNothingIsMade()
    {
        using var root = HybridTree();
        Directory.Delete(root.File("cpu"), recursive: true);
        var before = HostSnapshot.Of(root.Path);

        var e = Assert.Throws<JailSetupException>(() =>
            WorkerCgroup.Create("w1", All, root.Path, HybridSelf, new FakeCgroupKernel(root.Path)));

        Assert.StartsWith("cannot enforce the CPU limit: no cpu cgroup controller is mounted under ", e.Message);
        Assert.Empty(HostSnapshot.Of(root.Path).DiffFrom(before));
    }

    [Fact]
    public void Create_RequiredMkdirRefused_ThrowsAndRemovesWhatItMadeFirst()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);
        fs.ReadOnlyParents.Add(root.File("pids"));
        var before = HostSnapshot.Of(root.Path);

        var e = Assert.Throws<JailSetupException>(() => WorkerCgroup.Create("w1", All, root.Path, HybridSelf, fs));

        Assert.Contains("(mkdir: EACCES)", e.Message);
        Assert.Contains(root.File("pids/wasmbox-w1"), e.Message);
        // unified/ and memory/ had been made before pids/ failed; both are gone again.
        Assert.Empty(HostSnapshot.Of(root.Path).DiffFrom(before));
    }

    [Fact]
    public void Create_NoLimitsAndOptionalMkdirRefused_SkipsThatHierarchy()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);
        fs.ReadOnlyParents.Add(root.File("memory/process_api/abc"));

        using var cg = WorkerCgroup.Create("w1", CgroupLimits.None, root.Path, HybridSelf, fs)!;

        Assert.Equal(["unified/wasmbox-w1"], cg.Directories.Select(fs.Rel));
    }

    [Fact]
    public void Create_NoLimitsNothingWritable_ReturnsNull()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);
        // With no cgroup2 directory, cpuacct and freezer would be used instead: refuse them too.
        fs.ReadOnlyParents.UnionWith([root.File("unified"), root.File("memory/process_api/abc"), root.File("cpuacct"), root.File("freezer")]);

        Assert.Null(WorkerCgroup.Create("w1", CgroupLimits.None, root.Path, HybridSelf, fs));
    }

    [Fact]
    public void Create_NoHierarchyMounted_NullWithoutLimitsThrowsWithOne()
    {
        using var root = new TempDir("wasmbox-cgtree");
        var fs = new FakeCgroupKernel(root.Path);

        Assert.Null(WorkerCgroup.Create("w1", CgroupLimits.None, root.Path, HybridSelf, fs));
        Assert.Throws<JailSetupException>(() => WorkerCgroup.Create("w1", new CgroupLimits(1L << 20, null, null), root.Path, HybridSelf, fs));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("x\n")]
    [InlineData("w\u00e4")]
    [InlineData("a_b")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void Create_BadName_ArgumentExceptionAndNothingMade(string name)
    {
        using var root = HybridTree();
        var before = HostSnapshot.Of(root.Path);

        Assert.Throws<ArgumentException>(() => WorkerCgroup.Create(name, All, root.Path, HybridSelf, new FakeCgroupKernel(root.Path)));

        Assert.Empty(HostSnapshot.Of(root.Path).DiffFrom(before));
    }

    [Fact]
    public void Create_GoodName_LettersDigitsDashAccepted()
    {
        using var root = HybridTree();
        using var cg = WorkerCgroup.Create("Job-42-a", CgroupLimits.None, root.Path, HybridSelf, new FakeCgroupKernel(root.Path));
        Assert.NotNull(cg);
    }

    [Theory]
    [InlineData(0L, null, null)]
    [InlineData(-1L, null, null)]
    [InlineData(null, 0, null)]
    [InlineData(null, null, 0.0)]
    [InlineData(null, null, 0.009)]
    [InlineData(null, null, double.NaN)]
    [InlineData(null, null, double.PositiveInfinity)]
    public void Create_LimitNoKernelTakes_ArgumentOutOfRange(long? memory, int? pids, double? cpus)
    {
        using var root = HybridTree();
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            WorkerCgroup.Create("w1", new CgroupLimits(memory, pids, cpus), root.Path, HybridSelf, new FakeCgroupKernel(root.Path)));
    }

    [Fact]
    public void Create_DirectoryExists_RefusedAndExistingOneUntouched()
    {
        using var root = HybridTree();
        root.Write("memory/process_api/abc/wasmbox-w1/marker", "someone else's");
        var before = HostSnapshot.Of(root.Path);

        var e = Assert.Throws<JailSetupException>(() =>
            WorkerCgroup.Create("w1", All, root.Path, HybridSelf, new FakeCgroupKernel(root.Path)));

        Assert.Contains("already exists", e.Message);
        Assert.Empty(HostSnapshot.Of(root.Path).DiffFrom(before));
    }

    [Fact]
    public void Create_SymlinkPlantedAtTheName_RefusedAndTargetUntouched()
    {
        using var root = HybridTree();
        using var elsewhere = new TempDir();
        File.CreateSymbolicLink(root.File("pids/wasmbox-w1"), elsewhere.Path);
        var before = HostSnapshot.Of(root.Path);

        var e = Assert.Throws<JailSetupException>(() =>
            WorkerCgroup.Create("w1", All, root.Path, HybridSelf, new FakeCgroupKernel(root.Path)));

        Assert.Contains("already exists", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere.Path));
        Assert.Empty(HostSnapshot.Of(root.Path).DiffFrom(before));
    }

    [Fact]
    public void Dispose_RemovesExactlyWhatItMadeAndNothingElse()
    {
        using var root = HybridTree();
        root.Write("pids/wasmbox-other/cgroup.procs", "");
        root.Write("memory/process_api/abc/memory.limit_in_bytes", "123");
        var before = HostSnapshot.Of(root.Path);
        var fs = new FakeCgroupKernel(root.Path);

        var cg = WorkerCgroup.Create("w1", All, root.Path, HybridSelf, fs)!;
        Assert.Equal(4, cg.Directories.Count);
        cg.Dispose();
        cg.Dispose();

        Assert.Empty(cg.Leaked);
        Assert.Empty(HostSnapshot.Of(root.Path).DiffFrom(before));
        Assert.Throws<ObjectDisposedException>(() => cg.Pids());
    }

    [Fact]
    public void Readings_HybridTree_FromCgroup2AndV1Memory()
    {
        using var root = HybridTree();
        using var cg = WorkerCgroup.Create("w1", All, root.Path, HybridSelf, new FakeCgroupKernel(root.Path))!;
        root.Write("unified/wasmbox-w1/cpu.stat", "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n");
        root.Write("memory/process_api/abc/wasmbox-w1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        root.Write("memory/process_api/abc/wasmbox-w1/memory.max_usage_in_bytes", "4096\n");

        Assert.Equal(3, cg.OomKills());
        Assert.Equal(TimeSpan.FromSeconds(1.5), cg.CpuUsage());
        Assert.Equal(4096, cg.PeakMemoryBytes());
    }

    [Fact]
    public void Readings_V1OnlyHost_CpuFromCpuacctNanoseconds()
    {
        using var root = HybridTree();
        using var cg = WorkerCgroup.Create("w1", CgroupLimits.None, root.Path, HybridSelf, new FakeCgroupKernel(root.Path), useV2: false)!;
        root.Write("cpuacct/wasmbox-w1/cpuacct.usage", "250000000\n");

        Assert.Equal(TimeSpan.FromMilliseconds(250), cg.CpuUsage());
    }

    [Fact]
    public void Readings_UnifiedTree_FromMemoryEventsAndPeak()
    {
        using var root = UnifiedTree("memory");
        using var cg = WorkerCgroup.Create("w1", new CgroupLimits(1L << 20, null, null), root.Path, "0::/svc\n", new FakeCgroupKernel(root.Path))!;
        root.Write("svc/wasmbox-w1/memory.events", "low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\noom_group_kill 0\n");
        root.Write("svc/wasmbox-w1/memory.peak", "1048576\n");
        root.Write("svc/wasmbox-w1/cgroup.procs", "12\n345\n");

        Assert.Equal(2, cg.OomKills());
        Assert.Equal(1048576, cg.PeakMemoryBytes());
        Assert.Equal([12, 345], cg.Pids());
    }

    [Fact]
    public void Kill_Cgroup2WithKillFile_WritesOneAndSignalsNobody()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);
        using var cg = WorkerCgroup.Create("w1", All, root.Path, HybridSelf, fs)!;
        root.Write("unified/wasmbox-w1/cgroup.procs", "12\n345\n");
        fs.Log.Clear();

        Assert.True(cg.Kill());

        Assert.Equal(["unified/wasmbox-w1/cgroup.kill=1"], fs.Log);
        Assert.Empty(cg.Pids());
    }

    [Fact]
    public void Kill_V1Only_FreezesThenSignalsEveryMemberThenThaws()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);
        using var cg = WorkerCgroup.Create("w1", CgroupLimits.None, root.Path, HybridSelf, fs, useV2: false)!;
        foreach (var d in cg.Directories) File.WriteAllText(Path.Combine(d, "cgroup.procs"), "12\n345\n");
        fs.Log.Clear();

        Assert.True(cg.Kill());

        Assert.Equal(["freezer/wasmbox-w1/freezer.state=FROZEN", "SIGKILL 12", "SIGKILL 345", "freezer/wasmbox-w1/freezer.state=THAWED"], fs.Log);
        Assert.Empty(cg.Pids());
    }

    [Fact]
    public void KillBySignals_Cgroup2WithoutControllers_UsesCgroupFreeze()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path) { HasCgroupKill = false };
        using var cg = WorkerCgroup.Create("w1", CgroupLimits.None, root.Path, HybridSelf, fs)!;
        root.Write("unified/wasmbox-w1/cgroup.procs", "77\n");
        fs.Log.Clear();

        Assert.True(cg.Kill());

        Assert.Equal(["unified/wasmbox-w1/cgroup.freeze=1", "SIGKILL 77", "unified/wasmbox-w1/cgroup.freeze=0"], fs.Log);
    }

    [Fact]
    public void Dispose_MembersLeft_KillsBeforeRemoving()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);
        var cg = WorkerCgroup.Create("w1", All, root.Path, HybridSelf, fs)!;
        foreach (var d in cg.Directories) File.WriteAllText(Path.Combine(d, "cgroup.procs"), "12\n");
        fs.Log.Clear();

        cg.Dispose();

        Assert.Equal("unified/wasmbox-w1/cgroup.kill=1", fs.Log[0]);
        Assert.Empty(cg.Leaked);
        Assert.All(cg.Directories, d => Assert.False(Directory.Exists(d)));
    }

    [Fact]
    public void Dispose_MemberSurvivesKill_KillFalseAndDirectoriesListedAsLeaked()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);
        fs.Unkillable.Add(12);
        var cg = WorkerCgroup.Create("w1", All, root.Path, HybridSelf, fs)!;
        cg.WaitLimit = TimeSpan.FromMilliseconds(50);
        foreach (var d in cg.Directories) File.WriteAllText(Path.Combine(d, "cgroup.procs"), "12\n");

        Assert.False(cg.Kill());
        cg.Dispose();

        Assert.Equal(cg.Directories.Reverse(), cg.Leaked);
        Assert.All(cg.Directories, d => Assert.True(Directory.Exists(d)));
        foreach (var d in cg.Directories) File.WriteAllText(Path.Combine(d, "cgroup.procs"), "");
    }

    [Fact]
    public void SweepStale_RemovesOnlyEmptyCgroupsWhoseWasmboxIsGone()
    {
        using var root = HybridTree();
        var fs = new FakeCgroupKernel(root.Path);
        var parent = Path.Combine(root.Path, "memory", "process_api", "abc");
        const int gone = 999_999_999; // above any pid_max: no such process
        string Make(string name, string procs = "")
        {
            var dir = Path.Combine(parent, name);
            Assert.Equal(0, fs.MakeDirectory(dir));
            File.WriteAllText(Path.Combine(dir, "cgroup.procs"), procs);
            return dir;
        }
        var stale = Make($"wasmbox-{gone}-1");
        var staleCompile = Make($"wasmbox-{gone}-compile-2");
        var ours = Make($"wasmbox-{Environment.ProcessId}-3");
        var liveOwner = Make("wasmbox-1-4"); // pid 1 exists
        var busy = Make($"wasmbox-{gone}-5", "4242\n"); // a task still inside (another pid namespace, say)
        var unnamed = Make("wasmbox-test");
        var foreign = Make($"other-{gone}-6");

        var removed = WorkerCgroup.SweepStaleNow(fs, [parent]);

        Assert.Equal(2, removed);
        Assert.False(Directory.Exists(stale));
        Assert.False(Directory.Exists(staleCompile));
        foreach (var kept in new[] { ours, liveOwner, busy, unnamed, foreign }) Assert.True(Directory.Exists(kept), kept);
        Assert.DoesNotContain(fs.Log, l => l.StartsWith("SIGKILL", StringComparison.Ordinal));
    }
}
