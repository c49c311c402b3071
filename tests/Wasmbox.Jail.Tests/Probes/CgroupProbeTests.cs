using Wasmbox.Jail.Probes;

namespace Wasmbox.Jail.Tests.Probes;

public class CgroupProbeTests
{
    /// <summary>/proc/self/cgroup as it reads on the study machine (linux-jail-facts §0).</summary>
    private const string HybridSelf = """
        9:name=systemd:/
        8:pids:/
        4:memory:/process_api/978dea54
        1:cpu,cpuacct:/
        0::/
        """;

    [Fact]
    public void ParseProcSelfCgroup_HybridLines_SplitsIdControllersAndPath()
    {
        var m = CgroupProbe.ParseProcSelfCgroup(HybridSelf);
        Assert.Equal(5, m.Count);
        Assert.Equal(["name=systemd"], m[0].Controllers);
        Assert.Equal("/process_api/978dea54", m[2].Path);
        Assert.Equal(["cpu", "cpuacct"], m[3].Controllers);
        Assert.Equal(0, m[4].HierarchyId);
        Assert.Empty(m[4].Controllers);
        Assert.Equal("/", m[4].Path);
    }

    [Fact]
    public void ParseProcSelfCgroup_ColonInPathAndGarbageLines_PathKeptGarbageSkipped()
    {
        var m = CgroupProbe.ParseProcSelfCgroup("0::/odd:name\nnot a line\nx:memory:/a\n");
        Assert.Equal("/odd:name", Assert.Single(m).Path);
    }

    [Fact]
    public void Probe_FakeHybridTree_ReportsV1ControllersWritableAndRemovesItsChild()
    {
        using var root = new TempDir();
        root.Write("unified/cgroup.controllers", "");
        root.Write("memory/cgroup.procs", "");
        root.Dir("memory/process_api/978dea54");
        root.Write("pids/cgroup.procs", "");
        root.Write("cpu/cgroup.procs", "");

        var s = CgroupProbe.Probe(root.Path, HybridSelf, 4242);

        Assert.True(s.Available, s.Detail);
        Assert.StartsWith("hybrid; v1 memory writable at " + Path.Combine(root.Path, "memory/process_api/978dea54"), s.Detail);
        Assert.Contains("pids writable", s.Detail);
        Assert.Contains("cpu writable", s.Detail);
        Assert.Contains("with no controllers", s.Detail);
        Assert.Empty(Directory.GetDirectories(root.Path, "wasmbox-doctor-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Probe_FakeUnifiedTree_ListsControllersAndCannotLimitTheMissingOne()
    {
        using var root = new TempDir();
        root.Write("cgroup.controllers", "cpuset cpu io memory hugetlb\n");
        root.Write("user.slice/cgroup.controllers", "cpu memory\n");
        root.Write("user.slice/cgroup.kill", "");

        var s = CgroupProbe.Probe(root.Path, "0::/user.slice\n", 4242);

        Assert.True(s.Available, s.Detail);
        Assert.StartsWith("unified; cgroup2 at ", s.Detail);
        Assert.Contains("controllers cpu memory, writable, cgroup.kill present", s.Detail);
        Assert.EndsWith("cannot limit pids", s.Detail);
    }

    [Fact]
    public void Probe_NothingMounted_UnavailableWithFix()
    {
        using var root = new TempDir();
        var s = CgroupProbe.Probe(root.Path, "0::/\n", 4242);
        Assert.False(s.Available);
        Assert.NotNull(s.Fix);
    }

    [Fact]
    public void TryCreateChild_NameAlreadyTaken_LeavesItAlone()
    {
        using var dir = new TempDir();
        var taken = dir.Dir("wasmbox-doctor-4242");
        File.WriteAllText(Path.Combine(taken, "keep"), "x");

        var r = CgroupProbe.TryCreateChild(dir.Path, 4242);

        Assert.Contains("already exists; left alone", r.Error);
        Assert.True(File.Exists(Path.Combine(taken, "keep")));
    }

    /// <summary>The real host: the layout reported is the one mounted, and the probe's child cgroup is gone afterwards.</summary>
    [Fact]
    public void Probe_ThisHost_ReportsMountedLayoutAndLeavesNoChild()
    {
        LinuxOnly.Require();
        var layout = CgroupProbe.DetectLayout(CgroupProbe.DefaultRoot);
        if (layout == CgroupLayout.None) Assert.Skip("no cgroup hierarchy is mounted at /sys/fs/cgroup");

        var s = CgroupProbe.Probe();

        Assert.StartsWith(layout.ToString().ToLowerInvariant() + ";", s.Detail);
        var own = CgroupProbe.ParseProcSelfCgroup(File.ReadAllText("/proc/self/cgroup"));
        foreach (var mount in Directory.GetDirectories(CgroupProbe.DefaultRoot).Append(CgroupProbe.DefaultRoot))
            foreach (var m in own)
                Assert.False(Directory.Exists(Path.Combine(mount, m.Path.TrimStart('/'), $"wasmbox-doctor-{Environment.ProcessId}")));
        if (layout == CgroupLayout.Hybrid)
        {
            // What the study machine has (linux-jail-facts §0): hybrid, v1 memory/pids/cpu, cgroup2 core files working.
            Assert.Contains("v1 memory", s.Detail);
            Assert.Contains("cgroup2 at /sys/fs/cgroup/unified", s.Detail);
        }
    }
}
