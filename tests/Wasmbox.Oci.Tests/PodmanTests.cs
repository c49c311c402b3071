using System.Diagnostics;
using Wasmbox.Oci.Tests.Engines;

namespace Wasmbox.Oci.Tests;

/// <summary>
/// podman 4.3 (through conmon) with wasmbox-oci as its runtime, on an image built FROM scratch in a temp store: what
/// a user of <c>podman --runtime wasmbox-oci run</c> sees. Skips, saying why, without podman, bubblewrap or root.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PodmanTests : IClassFixture<PodmanTests.Host>, IDisposable
{
    /// <summary>The class's podman: one temp store and one image for all its tests.</summary>
    public sealed class Host : IDisposable
    {
        internal PodmanHost Podman { get; } = new();

        public void Dispose() => Podman.Dispose();
    }

    private readonly PodmanHost _podman;
    private readonly TempDir _dir = new("wasmbox-podman-test");

    public PodmanTests(Host host)
    {
        _podman = host.Podman;
        _podman.Require();
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Run_Hello_PrintsGuestStdout()
    {
        var r = _podman.RunContainer([], _podman.WasmImage);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hello from wasmbox\n", r.Stdout);
    }

    [Fact]
    public void Run_ExitCode_IsTheGuests()
    {
        var r = _podman.RunContainer([], _podman.WasmImage, "/exit_code.wasm", "42");
        Assert.True(r.ExitCode == 42, r.ToString());
    }

    [Fact]
    public void Run_EnvFlagAndImageEnv_ReachTheGuestAndNothingElseOfTheHosts()
    {
        var r = _podman.RunContainer(["-e", "GREETING=from-flag"], _podman.WasmImage, "/args_env.wasm", "one");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n');
        Assert.Contains("argv[0]=/args_env.wasm", lines);
        Assert.Contains("argv[1]=one", lines);
        Assert.Contains("env:GREETING=from-flag", lines);
        Assert.Contains("env:FROM_IMAGE=image-env", lines);
        // The host's variables never reach the guest: only config.json's process.env does.
        Assert.DoesNotContain(lines, l => l.StartsWith("env:HOME=/root", StringComparison.Ordinal) || l.Contains("DOTNET", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_BindMounts_ReadWriteWrittenReadOnlyRefused()
    {
        var data = _dir.Dir("data");
        var ro = _dir.Dir("ro");
        var kept = Path.Combine(ro, "kept.txt");
        File.WriteAllText(kept, "original");
        string[] mounts = ["-v", $"{data}:/data", "-v", $"{ro}:/ro:ro"];

        var write = _podman.RunContainer(mounts, _podman.WasmImage, "/files.wasm", "write", "/data/new.txt", "written-by-guest");
        Assert.True(write.ExitCode == 0, write.ToString());
        Assert.Equal("written-by-guest", File.ReadAllText(Path.Combine(data, "new.txt")));

        var read = _podman.RunContainer(mounts, _podman.WasmImage, "/files.wasm", "read", "/ro/kept.txt");
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.Contains("original", read.Stdout);

        var refused = _podman.RunContainer(mounts, _podman.WasmImage, "/files.wasm", "write", "/ro/kept.txt", "overwritten");
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.StartsWith("error: ", refused.Stdout);
        var created = _podman.RunContainer(mounts, _podman.WasmImage, "/files.wasm", "write", "/ro/new.txt", "x");
        Assert.True(created.ExitCode == 1, created.ToString());
        Assert.Equal("original", File.ReadAllText(kept));
        Assert.Equal(["kept.txt"], Directory.GetFiles(ro).Select(Path.GetFileName));
    }

    [Fact]
    public void Run_MemoryLimit_StopsAHungryGuestBelowIt()
    {
        var r = _podman.RunContainer(["-m", "32m"], _podman.WasmImage, "/memhog.wasm", "256");
        Assert.True(r.ExitCode == 0, r.ToString());
        var allocated = int.Parse(r.Stdout.Trim().Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(allocated, 1, 31);
    }

    [Fact]
    public void Run_MemoryCpusPids_ContainerCgroupHasTheLimitsAndHoldsTheWorker()
    {
        var name = "limits-" + Guid.NewGuid().ToString("N")[..8];
        _podman.Ok("run", "-d", "--name", name, "--network", "none", "-m", "32m", "--cpus", "0.5", "--pids-limit", "500", _podman.WasmImage, "/spin.wasm");
        try
        {
            var worker = WaitForWorker(name);
            var pid = ContainerPid(name);
            var id = ContainerId(name);
            // podman (cgroupfs) asks for linux.cgroupsPath /libpod_parent/libpod-ID; conmon reads the pid's cgroup from /proc.
            var memory = CgroupView.DirOf(pid, "memory")!;
            var container = CgroupView.IsUnified ? Path.GetDirectoryName(memory)! : memory;
            Assert.EndsWith($"/libpod_parent/libpod-{id}", container);
            var limit = (32L * 1024 * 1024 + 128L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var cpu = CgroupView.DirOf(pid, "cpu")!;
            if (CgroupView.IsUnified)
            {
                Assert.Equal(limit, CgroupView.Read(container, "memory.max"));
                Assert.Equal("50000 100000", CgroupView.Read(container, "cpu.max"));
                Assert.Equal("500", CgroupView.Read(container, "pids.max"));
            }
            else
            {
                Assert.Equal(limit, CgroupView.Read(container, "memory.limit_in_bytes"));
                Assert.EndsWith($"/libpod_parent/libpod-{id}", cpu);
                Assert.Equal("50000", CgroupView.Read(cpu, "cpu.cfs_quota_us"));
                Assert.Equal("500", CgroupView.Read(CgroupView.DirOf(pid, "pids")!, "pids.max"));
            }
            // The worker's own cgroup is inside the container's, with the guest's CPU quota too.
            var workerMemory = CgroupView.DirOf(worker, "memory")!;
            Assert.StartsWith(container + "/wasmbox-", workerMemory);
            var workerCpu = CgroupView.DirOf(worker, "cpu")!;
            Assert.Equal(CgroupView.IsUnified ? "50000 100000" : "50000", CgroupView.Read(workerCpu, CgroupView.IsUnified ? "cpu.max" : "cpu.cfs_quota_us"));
        }
        finally
        {
            _podman.Run("rm", "--force", "--time", "0", name);
        }
    }

    [Fact]
    public void Stop_SpinningGuest_StopsWithinTimeoutAndLeavesNothing()
    {
        var cgroupsBefore = CgroupView.Tree("libpod_parent");
        var name = "stop-" + Guid.NewGuid().ToString("N")[..8];
        _podman.Ok("run", "-d", "--name", name, "--network", "none", _podman.WasmImage, "/spin.wasm");
        var worker = WaitForWorker(name);
        var pid = ContainerPid(name);
        var id = ContainerId(name);
        var stateDir = Path.Combine(_podman.StateRoot, "wasmbox@oci", "containers", id);
        Assert.True(Directory.Exists(stateDir), stateDir);
        var tree = ProcessTree.Descendants(pid, "").Append(pid).ToList();
        Assert.Contains(worker, tree);
        // Ours only: other podman users on the machine share /libpod_parent. The container's cgroup is libpod-ID, the
        // worker's is inside it.
        var made = CgroupView.Tree("libpod_parent").Except(cgroupsBefore).Where(d => d.Contains(id, StringComparison.Ordinal)).ToList();
        Assert.Contains(made, d => d.Contains("/wasmbox-", StringComparison.Ordinal));

        var stop = _podman.Run("stop", "--time", "10", name);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        // SIGTERM kills the worker's cgroup at once; podman would send SIGKILL only after the 10 s.
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(8), stop.ToString());
        var exitCode = _podman.Ok("inspect", "--format", "{{.State.ExitCode}}", name).Stdout.Trim();
        Assert.Equal("143", exitCode);
        _podman.Ok("rm", name);

        Assert.Empty(ProcessTree.WaitGone(tree, TimeSpan.FromSeconds(5)));
        var left = Poll.Until(() => made.Where(Directory.Exists).ToList(), l => l.Count == 0, TimeSpan.FromSeconds(5));
        Assert.True(left.Count == 0, $"cgroup folders left behind: {string.Join(", ", left)}");
        Assert.False(Directory.Exists(stateDir), $"wasmbox-oci's state {stateDir} was left behind");
    }

    [Fact]
    public void Run_Tty_TheGuestsOutputComesThroughTheTerminal()
    {
        // podman -t: conmon listens on the console socket, gets the pty's master and copies it to podman's stdout, with
        // the terminal's line discipline (\n becomes \r\n): proof that the output went through the pty.
        var r = _podman.RunContainer(["-t"], _podman.WasmImage);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        Assert.Contains("hello", r.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\n", r.Stdout);
    }

    [Fact]
    public void Run_NativeImage_DelegatedToRunc()
    {
        if (!File.Exists("/usr/bin/runc") && !File.Exists("/usr/sbin/runc")) Assert.Skip("runc is not installed (apt-get install -y runc)");
        // runc sets every rlimit podman asks for; podman asks for RLIMIT_NOFILE 1048576, which needs CAP_SYS_RESOURCE
        // where the hard limit is lower (this CI host: hard limit 20000, no CAP_SYS_RESOURCE). So ask for what is allowed.
        string[] limits = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"];
        var r = _podman.RunContainer(limits, _podman.NativeImage, "/hello", "7");
        Assert.True(r.ExitCode == 7, r.ToString());
        Assert.Equal("hello from native\n", r.Stdout);
    }

    /// <summary>The container's full id (wasmbox-oci's state folder is named after it).</summary>
    private string ContainerId(string name) => _podman.Ok("inspect", "--format", "{{.Id}}", name).Stdout.Trim();

    /// <summary>The container process's pid (conmon's child, the pid in the pid file).</summary>
    private int ContainerPid(string name) =>
        int.Parse(_podman.Ok("inspect", "--format", "{{.State.Pid}}", name).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Waits until the guest runs and returns the worker's pid (a descendant of the container process).</summary>
    private int WaitForWorker(string name)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_podman.Run("logs", name).Stdout.Contains("spinning", StringComparison.Ordinal))
            {
                var workers = ProcessTree.Descendants(ContainerPid(name), "wasmbox-worker");
                // bwrap and the worker both name the worker binary; both sit in the worker's cgroup (the launch script
                // joins it before it execs bwrap), so either does.
                if (workers.Count > 0) return workers[0];
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"container {name}'s guest did not print 'spinning' within 30 s: {_podman.Run("logs", name)}");
    }
}
