namespace Wasmbox.Oci.Tests;

/// <summary>Stopping containers and cleaning up: what podman stop and containerd's double delete do.</summary>
public sealed class KillDeleteTests
{
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public void Kill_SigtermToSpinningGuest_Exits143AndLeavesNoProcessOrCgroup()
    {
        Jail.Require();
        using var bundle = new TestBundle("/spin.wasm").WithGuest("spin");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "spin");
        oci.Ok("start", "spin");
        oci.WaitForOutput("spin", "spinning");
        var below = Wasmbox.Oci.State.Liveness.Descendants(pid);
        Assert.NotEmpty(below);
        var cgroups = below.SelectMany(CgroupDirs).Except(CgroupDirs(pid)).Distinct().ToList();
        Assert.NotEmpty(cgroups);

        oci.Ok("kill", "spin", "SIGTERM");
        Assert.Equal(143, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Empty(ProcessTree.WaitGone(below, TimeSpan.FromSeconds(5)));
        Assert.All(cgroups, dir => Assert.False(Directory.Exists(dir), $"cgroup {dir} was left behind"));
        oci.Ok("delete", "spin");
    }

    [Fact]
    public void Kill_Sigkill_Exits137AndTheWorkerDiesWithIt()
    {
        Jail.Require();
        using var bundle = new TestBundle("/spin.wasm").WithGuest("spin");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "nine");
        oci.Ok("start", "nine");
        oci.WaitForOutput("nine", "spinning");
        var below = Wasmbox.Oci.State.Liveness.Descendants(pid);
        oci.Ok("kill", "nine", "KILL");
        Assert.Equal(137, OciRuntime.WaitExit(pid, ExitLimit));
        // bubblewrap's --die-with-parent: nothing keeps spinning once the container process is gone.
        Assert.Empty(ProcessTree.WaitGone(below, TimeSpan.FromSeconds(5)));
        oci.Ok("delete", "nine");
    }

    [Fact]
    public void Delete_ForceTwiceAndUnknownId_Succeeds()
    {
        Jail.Require();
        using var bundle = new TestBundle("/spin.wasm").WithGuest("spin");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "twice");
        oci.Ok("start", "twice");
        var refused = oci.Run(["delete", "twice"]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--force", refused.Stderr);

        oci.Ok("delete", "--force", "twice");
        Assert.Equal(143, OciRuntime.WaitExit(pid, ExitLimit));
        oci.Ok("delete", "--force", "twice");
        oci.Ok("delete", "-f", "never-was");
        Assert.Equal(1, oci.Run(["delete", "never-was"]).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(oci.Root, "wasmbox@oci", "containers", "twice")));
    }

    [Fact]
    public void Kill_AllAfterExit_SucceedsButPlainKillFails()
    {
        Jail.Require();
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "done");
        oci.Ok("start", "done");
        Assert.Equal(0, OciRuntime.WaitExit(pid, ExitLimit));
        oci.Ok("kill", "--all", "done", "9");
        var plain = oci.Run(["kill", "done", "KILL"]);
        Assert.Equal(1, plain.ExitCode);
        Assert.Contains("not running", plain.Stderr);
        oci.Ok("delete", "done");
    }

    [Fact]
    public void Kill_CreatedContainer_EndsItBeforeTheGuestEverRuns()
    {
        Jail.Require();
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "early");
        oci.Ok("kill", "early", "15");
        Assert.Equal(143, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Empty(oci.GuestStdout("early"));
        Assert.Equal(1, oci.Run(["start", "early"]).ExitCode);
        oci.Ok("delete", "early");
    }

    [Fact]
    public void Create_CallerHoldsFd3_NeitherTheContainerProcessNorTheWorkerHasIt()
    {
        Jail.Require();
        using var bundle = new TestBundle("/spin.wasm").WithGuest("spin");
        using var oci = new OciRuntime();
        var marker = oci.File("leaked-fd-marker");
        File.WriteAllText(marker, "secret");
        var pid = oci.Create(bundle.Save(), "fd", shellSetup: $"exec 3<'{marker}'");
        oci.Ok("start", "fd");
        oci.WaitForOutput("fd", "spinning");
        var processes = Wasmbox.Oci.State.Liveness.Descendants(pid).Prepend(pid).ToList();
        Assert.True(processes.Count >= 2, "no worker below the container process");
        foreach (var p in processes)
        {
            var targets = OpenFiles(p);
            Assert.DoesNotContain(marker, targets);
        }
        oci.Ok("kill", "fd");
        Assert.Equal(143, OciRuntime.WaitExit(pid, ExitLimit));
    }

    [Fact]
    public void Create_PreserveFds_StayInTheContainerProcessButNeverReachTheWorker()
    {
        Jail.Require();
        using var bundle = new TestBundle("/spin.wasm").WithGuest("spin");
        using var oci = new OciRuntime();
        var kept = oci.File("preserved-fd");
        var leaked = oci.File("leaked-fd");
        File.WriteAllText(kept, "kept");
        File.WriteAllText(leaked, "leaked");
        var pidFile = oci.File("keep.pid");
        var r = oci.Run(["create", "--preserve-fds", "1", "--bundle", bundle.Save(), "--pid-file", pidFile, "keep"], "keep",
            shellSetup: $"exec 3<'{kept}' 4<'{leaked}'");
        Assert.Equal(0, r.ExitCode);
        var pid = int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(oci.LogLines(), l => l.GetProperty("msg").GetString()!.StartsWith("--preserve-fds 1", StringComparison.Ordinal));
        Assert.Equal(kept, new FileInfo($"/proc/{pid}/fd/3").LinkTarget);
        Assert.DoesNotContain(leaked, OpenFiles(pid));
        oci.Ok("start", "keep");
        oci.WaitForOutput("keep", "spinning");
        foreach (var worker in Wasmbox.Oci.State.Liveness.Descendants(pid))
        {
            Assert.DoesNotContain(kept, OpenFiles(worker));
            Assert.DoesNotContain(leaked, OpenFiles(worker));
        }
        oci.Ok("kill", "keep");
        Assert.Equal(143, OciRuntime.WaitExit(pid, ExitLimit));
    }

    [Fact]
    public void Ps_RunningContainer_ListsItsProcessesAsJson()
    {
        Jail.Require();
        using var bundle = new TestBundle("/spin.wasm").WithGuest("spin");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "ps");
        oci.Ok("start", "ps");
        var pids = System.Text.Json.JsonSerializer.Deserialize<int[]>(oci.Ok("ps", "--format", "json", "ps").Stdout)!;
        Assert.Equal(pid, pids[0]);
        oci.Ok("kill", "ps");
        Assert.Equal(143, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Equal("[]", oci.Ok("ps", "--format=json", "ps").Stdout.Trim());
    }

    private static List<string> OpenFiles(int pid)
    {
        try
        {
            return Directory.GetFileSystemEntries($"/proc/{pid}/fd")
                .Select(fd => new FileInfo(fd).LinkTarget ?? "").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>The cgroup folders a process is in, one per v1 hierarchy (or the v2 one), as host paths.</summary>
    private static IEnumerable<string> CgroupDirs(int pid)
    {
        string[] lines;
        try { lines = File.ReadAllLines($"/proc/{pid}/cgroup"); }
        catch (IOException) { return []; }
        return lines.Select(l => l.Split(':', 3)).Where(p => p.Length == 3 && p[2] != "/")
            .Select(p => p[1].Length == 0 ? "/sys/fs/cgroup/unified" + p[2] : "/sys/fs/cgroup/" + p[1].Replace("name=", "") + p[2])
            .Where(Directory.Exists).ToList();
    }
}
