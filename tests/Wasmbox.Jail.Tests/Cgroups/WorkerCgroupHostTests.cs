using System.Diagnostics;
using Wasmbox.Jail.Cgroups;
using Wasmbox.Jail.Limits;
using Wasmbox.Jail.Probes;
using Wasmbox.Jail.Tests.Limits;

namespace Wasmbox.Jail.Tests.Cgroups;

/// <summary>
/// WorkerCgroup on this host's real cgroups, with processes started through the real launch script. Each test makes
/// its own wasmbox-test-… cgroup under this process's cgroups and removes it (using), even when an assertion fails.
/// </summary>
public class WorkerCgroupHostTests
{
    /// <summary>
    /// Skips, visibly, when the doctor's probe says this host cannot take the limits; otherwise Create must work, so
    /// a JailSetupException here is a failure, not a skip.
    /// </summary>
    private static WorkerCgroup CreateOrSkip(CgroupLimits limits, bool useV2 = true)
    {
        LinuxOnly.Require();
        if (!File.Exists("/bin/sh")) Assert.Skip("starts processes through /bin/sh, which this host lacks");
        var probe = CgroupProbe.Probe();
        if (!probe.Available) Assert.Skip("wasmbox doctor finds no writable cgroups here: " + probe.Detail);
        const string cannot = "; cannot limit ";
        var missing = probe.Detail.Contains(cannot, StringComparison.Ordinal)
            ? probe.Detail[(probe.Detail.LastIndexOf(cannot, StringComparison.Ordinal) + cannot.Length)..].Split(", ")
            : [];
        foreach (var (asked, controller) in new[] { (limits.MemoryBytes is not null, "memory"), (limits.Pids is not null, "pids"), (limits.Cpus is not null, "cpu") })
            if (asked && missing.Contains(controller)) Assert.Skip($"wasmbox doctor: this host cannot limit {controller}");

        var name = "test-" + Guid.NewGuid().ToString("N")[..12];
        var cg = WorkerCgroup.Create(name, limits, CgroupProbe.DefaultRoot, File.ReadAllText("/proc/self/cgroup"), CgroupFs.Real, useV2);
        Assert.NotNull(cg);
        return cg;
    }

    private static string Script(WorkerCgroup cg) => LaunchScript.Build(cg.ProcsFiles, ProcessRlimits.None);

    private static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(3)) Assert.Fail("timed out waiting for " + what);
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void Host_ChildStartedThroughScript_IsInEveryCgroupMade()
    {
        using var cg = CreateOrSkip(new CgroupLimits(64L << 20, 16, null));
        var dirName = Path.GetFileName(cg.Directories[0]);

        var (exit, stdout, stderr) = Launch.Run(Script(cg), ["/bin/sh", "-c", "cat /proc/self/cgroup"]);

        Assert.True(exit == 0, stderr);
        var inside = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith("/" + dirName, StringComparison.Ordinal)).ToList();
        Assert.True(inside.Count == cg.Directories.Count, stdout);
        Assert.Contains(inside, l => l.StartsWith("0::", StringComparison.Ordinal) || l.Contains(":memory:", StringComparison.Ordinal));
    }

    [Fact]
    public void Host_Pids16_ForkStormStopsAtTheLimitAndTheTestProcessIsUnaffected()
    {
        using var cg = CreateOrSkip(new CgroupLimits(null, 16, null));

        var (_, stdout, stderr) = Launch.Run(Script(cg),
            ["/bin/sh", "-c", "i=0; while [ $i -lt 40 ]; do sleep 5 >/dev/null 2>&1 & i=$((i+1)); echo $i; done; echo all-started"]);

        var started = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l != "all-started").Select(int.Parse).DefaultIfEmpty(0).Max();
        Assert.DoesNotContain("all-started", stdout);
        Assert.Contains("fork", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(started, 1, 15); // the shell itself is the 16th task
        Assert.InRange(cg.Pids().Count, 1, 16);
        using (var outside = Process.Start("/bin/sh", ["-c", "sleep 0 & wait"]))
        {
            outside.WaitForExit();
            Assert.Equal(0, outside.ExitCode);
        }
        Assert.True(cg.Kill());
        Assert.Empty(cg.Pids());
    }

    [Fact]
    public void Host_Memory64MiB_AllocatingMoreIsOomKilledAndCounted()
    {
        if (!File.Exists("/usr/bin/perl")) Assert.Skip("allocates with perl, which this host lacks");
        using var cg = CreateOrSkip(new CgroupLimits(64L << 20, null, null));
        Assert.Equal(0, cg.OomKills());

        var (exit, stdout, _) = Launch.Run(Script(cg), ["/usr/bin/perl", "-e", "$x = 'a' x (200*1024*1024); print length $x"]);

        Assert.Equal(137, exit); // SIGKILL from the OOM killer
        Assert.Equal("", stdout);
        Assert.True(cg.OomKills() >= 1, $"oom_kill {cg.OomKills()}");
        Assert.InRange(cg.PeakMemoryBytes() ?? 0, 32L << 20, 64L << 20);
    }

    [Fact]
    public void Host_Cpu02_BusyLoopForOneSecondGetsAboutAFifth()
    {
        if (!File.Exists("/usr/bin/timeout")) Assert.Skip("bounds the busy loop with timeout(1), which this host lacks");
        using var cg = CreateOrSkip(new CgroupLimits(null, null, 0.2));

        var (exit, _, _) = Launch.Run(Script(cg), ["/usr/bin/timeout", "1", "/bin/sh", "-c", "while :; do :; done"]);

        Assert.Equal(124, exit);
        var used = cg.CpuUsage() ?? throw new InvalidOperationException("no CPU usage reading on a host with a cpu controller");
        Assert.InRange(used.TotalSeconds, 0.05, 0.35);
    }

    [Fact]
    public void Host_V1OnlyCpuacct_CountsABusyLoop()
    {
        if (!File.Exists("/usr/bin/timeout")) Assert.Skip("bounds the busy loop with timeout(1), which this host lacks");
        using var cg = CreateOrSkip(CgroupLimits.None, useV2: false);
        if (!cg.Directories.Any(d => d.Contains("cpuacct", StringComparison.Ordinal))) Assert.Skip("no v1 cpuacct hierarchy here");

        Launch.Run(Script(cg), ["/usr/bin/timeout", "0.3", "/bin/sh", "-c", "while :; do :; done"]);

        Assert.InRange(cg.CpuUsage()?.TotalSeconds ?? 0, 0.05, 1.0);
    }

    [Theory]
    [InlineData(true, false, "cgroup.kill")]
    [InlineData(true, true, "cgroup.freeze")]
    [InlineData(false, false, "freezer")]
    public void Host_Kill_LeavesNoProcessIncludingASetsidEscapee(bool useV2, bool signals, string mechanism)
    {
        using var cg = CreateOrSkip(new CgroupLimits(null, 32, null), useV2);
        if (mechanism == "cgroup.kill" && !File.Exists(Path.Combine(cg.Directories[0], "cgroup.kill"))) Assert.Skip("no cgroup.kill on this kernel");
        if (mechanism == "cgroup.freeze" && !File.Exists(Path.Combine(cg.Directories[0], "cgroup.freeze"))) Assert.Skip("no cgroup2 directory here");
        if (mechanism == "freezer" && !cg.Directories.Any(d => d.Contains("/freezer/", StringComparison.Ordinal))) Assert.Skip("no v1 freezer here");
        using var p = Launch.Start(Script(cg), "/bin/sh", "-c",
            "setsid sleep 30 </dev/null >/dev/null 2>&1 & sleep 30 </dev/null >/dev/null 2>&1 & echo ready; wait");
        Assert.Equal("ready", p.StandardOutput.ReadLine());
        WaitFor(() => cg.Pids().Count >= 3, "the shell and both sleeps in the cgroup");
        var members = cg.Pids();

        var killed = signals ? cg.KillBySignals() : cg.Kill();

        Assert.True(killed);
        Assert.Empty(cg.Pids());
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(2)));
        Assert.Equal(137, p.ExitCode);
        foreach (var pid in members) Assert.True(GoneOrZombie(pid), $"pid {pid} still runs");
    }

    [Fact]
    public void Host_Dispose_AfterAWorkerRan_RemovesEveryDirectory()
    {
        var cg = CreateOrSkip(new CgroupLimits(64L << 20, 16, 0.5));
        try
        {
            using var p = Launch.Start(Script(cg), "/bin/sh", "-c", "sleep 30 </dev/null >/dev/null 2>&1 & echo ready; wait");
            Assert.Equal("ready", p.StandardOutput.ReadLine());
        }
        finally
        {
            cg.Dispose();
        }

        Assert.Empty(cg.Leaked);
        Assert.All(cg.Directories, d => Assert.False(Directory.Exists(d), d));
    }

    private static bool GoneOrZombie(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z'); }
        catch (IOException) { return true; }
    }
}
