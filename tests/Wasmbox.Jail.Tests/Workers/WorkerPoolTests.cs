using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Bubblewrap;
using Wasmbox.Jail.Workers;

namespace Wasmbox.Jail.Tests.Workers;

/// <summary>
/// The warm pool: a pooled worker's jail, seen from inside, is a per-assignment worker's; the pool refills; a job that
/// does not fit, or an empty pool, starts its own worker; concurrent sandboxes never share a worker; a pool that cannot
/// start workers does not spin; disposing it leaves no worker and no folder behind.
/// </summary>
[Collection(WorkerCollection.Name)]
public partial class WorkerPoolTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);
    private static readonly WorkerPoolKey Plain = new(Fuel: false);

    private static SandboxPolicy Limited => SandboxPolicy.DenyAll with { Limits = new SandboxLimits(32L << 20, null, TimeSpan.FromSeconds(20)) };

    private static WorkerIo Captured(out MemoryStream stdout, out MemoryStream stderr)
    {
        stdout = new MemoryStream();
        stderr = new MemoryStream();
        return new WorkerIo(null, stdout, stderr);
    }

    [Fact]
    public async Task Pool_PooledWorkersJail_IsThePerAssignmentJailSeenFromInside()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        var job = WorkerRuns.Job(Guests.C("hello"), Limited);
        string[] checks =
        [
            "--path", $"{JailLayout.ModuleDir}/module.wasm", "--write", $"{JailLayout.ModuleDir}/planted", "--write", "/tmp/scratch",
            "--remount", JailLayout.ModuleDir, "--path", "/etc/passwd", "--path", tmp.Path, "--path", "/sys/fs/cgroup", "--threads", "8",
        ];

        var cold = WorkerLauncher.SelfCheck(job, IsolationTier.Jail, checks, Startup, Captured(out _, out _));
        using var pool = new WorkerPool(1, Plain, tmp.Dir("staging"), null, ["--self-check", .. checks]);
        Assert.True(await pool.WaitForReadyAsync(1, Startup, TestContext.Current.CancellationToken), "the pool started no worker");
        var pooled = WorkerLauncher.SelfCheckPooled(pool, job, Captured(out _, out _), Startup);

        Assert.True(cold.ExitCode == 0, $"cold self-check exited {cold.ExitCode}: {cold.Stderr}");
        Assert.True(pooled.ExitCode == 0, $"pooled self-check exited {pooled.ExitCode}: {pooled.Stderr}");
        // The control: the module is there, and what is refused is refused in both.
        var report = JsonDocument.Parse(pooled.Stdout).RootElement;
        Assert.Equal("visible", report.GetProperty($"path:{JailLayout.ModuleDir}/module.wasm").GetString());
        Assert.NotEqual("ok", report.GetProperty($"write:{JailLayout.ModuleDir}/planted").GetString());
        Assert.Equal("invisible", report.GetProperty("path:/etc/passwd").GetString());
        // Everything else, field by field: ids, capabilities, seccomp, network, sockets, ptrace, descriptors, rlimits,
        // cgroup, mounts, the checks. The one documented difference: a per-assignment worker's module is a bind mount of
        // its own over the placeholder, a pooled worker's a copy inside the same read-only folder.
        Assert.Equal(Normalized(cold.Stdout, dropModuleMount: true), Normalized(pooled.Stdout, dropModuleMount: false));
        Assert.NotEmpty(cold.MemoryLimits);
        Assert.Equal(cold.MemoryLimits, pooled.MemoryLimits);
    }

    /// <summary>The report with what legitimately differs between two workers taken out: pipe inode numbers and descriptor numbers.</summary>
    private static string Normalized(string report, bool dropModuleMount)
    {
        var root = JsonDocument.Parse(report).RootElement;
        var text = new StringBuilder();
        foreach (var property in root.EnumerateObject())
        {
            IEnumerable<string> values = property.Value.ValueKind == JsonValueKind.Array
                ? property.Value.EnumerateArray().Select(v => v.ToString())
                : [property.Value.ToString()];
            if (property.Name == "fds") values = values.Select(v => PipeInode().Replace(FdNumber().Replace(v, ""), "pipe:[]")).Order();
            if (property.Name == "mounts" && dropModuleMount) values = values.Where(v => !v.StartsWith($"{JailLayout.ModuleDir}/module.wasm ", StringComparison.Ordinal));
            text.Append(property.Name).Append(" = ").AppendJoin(" | ", values).Append('\n');
        }
        return text.ToString();
    }

    [GeneratedRegex(@"^\d+ -> ")]
    private static partial Regex FdNumber();

    [GeneratedRegex(@"pipe:\[\d+\]")]
    private static partial Regex PipeInode();

    [Fact]
    public async Task Pool_TakenWorker_RunsTheGuestAndThePoolRefills()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        using var pool = new WorkerPool(2, Plain, tmp.Dir("staging"));
        Assert.True(await pool.WaitForReadyAsync(2, Startup, TestContext.Current.CancellationToken), "the pool did not fill");

        var job = WorkerRuns.Job(Guests.C("args_env"), Limited, "pooled-run") with { Pool = pool };
        var result = WorkerLauncher.Run(job, IsolationTier.Jail, Captured(out var stdout, out _), stop: TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Exited(0), result.Outcome);
        Assert.Contains("pooled-run", Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal(1, pool.Taken);
        Assert.True(await pool.WaitForReadyAsync(2, Startup, TestContext.Current.CancellationToken), "the pool did not refill");
    }

    /// <summary>
    /// A worker that dies after it was taken but before its sandbox ran (here: killed between the jail's completion and
    /// the assignment) does not fail the sandbox: it starts a worker of its own, once, and the guest runs there.
    /// </summary>
    [Fact]
    public async Task Pool_TakenWorkerDyingBeforeItsAssignment_FallsBackToAColdStart()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        using var pool = new WorkerPool(1, Plain, tmp.Dir("staging"));
        Assert.True(await pool.WaitForReadyAsync(1, Startup, TestContext.Current.CancellationToken), "the pool did not fill");
        var killed = 0;
        pool.BeforeAssign = process =>
        {
            killed++;
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        };

        var job = WorkerRuns.Job(Guests.C("args_env"), Limited, "after-a-death") with { Pool = pool };
        var result = WorkerLauncher.Run(job, IsolationTier.Jail, Captured(out var stdout, out _), stop: TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Exited(0), result.Outcome);
        Assert.Contains("after-a-death", Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal(1, killed);
        Assert.Equal((1, 0, 1), (pool.Taken, pool.Missed, pool.DiedBeforeUse));
    }

    [Fact]
    public async Task Pool_EmptyOrNotFitting_FallsBackToAColdStart()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        using var empty = new WorkerPool(0, Plain, tmp.Dir("empty"));
        var cold = WorkerLauncher.Run(WorkerRuns.Job(Guests.C("hello"), Limited) with { Pool = empty }, IsolationTier.Jail, Captured(out var stdout, out _),
            stop: TestContext.Current.CancellationToken);
        Assert.Equal(RunOutcome.Exited(0), cold.Outcome);
        Assert.Contains("hello", Encoding.UTF8.GetString(stdout.ToArray()), StringComparison.OrdinalIgnoreCase);
        Assert.Equal((0, 1), (empty.Taken, empty.Missed));

        // A job whose jail would differ (an rlimit from --cpu-time) never takes a ready worker.
        using var pool = new WorkerPool(1, Plain, tmp.Dir("one"));
        Assert.True(await pool.WaitForReadyAsync(1, Startup, TestContext.Current.CancellationToken), "the pool did not fill");
        var cpuLimited = Limited with { Limits = Limited.Limits with { CpuTime = TimeSpan.FromSeconds(5) } };
        var other = WorkerLauncher.Run(WorkerRuns.Job(Guests.C("hello"), cpuLimited) with { Pool = pool }, IsolationTier.Jail, Captured(out _, out _),
            stop: TestContext.Current.CancellationToken);
        Assert.Equal(RunOutcome.Exited(0), other.Outcome);
        Assert.Equal((0, 0, 1), (pool.Taken, pool.Missed, pool.Ready));
    }

    [Theory]
    [InlineData("grant")]
    [InlineData("cpus")]
    [InlineData("open-files")]
    [InlineData("disk")]
    [InlineData("shared-output")]
    [InlineData("inherited-output")]
    public void Key_JobWhoseJailWouldDiffer_DoesNotFit(string what)
    {
        using var tmp = new TempDir();
        var limits = SandboxLimits.None;
        var policy = what switch
        {
            "grant" => SandboxPolicy.DenyAll with { Dirs = [new DirGrant(tmp.Path, "/d", ReadOnly: true)] },
            "cpus" => SandboxPolicy.DenyAll with { Limits = limits with { Cpus = 0.5 } },
            "open-files" => SandboxPolicy.DenyAll with { Limits = limits with { MaxOpenFiles = 10 } },
            "disk" => SandboxPolicy.DenyAll with { Limits = limits with { MaxDiskWriteBytes = 1 << 20 } },
            _ => SandboxPolicy.DenyAll,
        };
        var shared = new MemoryStream();
        var io = what switch
        {
            "shared-output" => new WorkerIo(null, shared, shared),
            "inherited-output" => new WorkerIo(null, new WorkerOutput.Descriptor(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, false)), new WorkerOutput.ToStream(shared)),
            _ => new WorkerIo(null, new MemoryStream(), new MemoryStream()),
        };

        Assert.Null(WorkerPoolKey.Of(WorkerRuns.Job(Guests.C("hello"), policy), io));
        // The control: the same job without the difference fits, with any memory limit, timeout or fuel.
        var fits = SandboxPolicy.DenyAll with { Limits = new SandboxLimits(1L << 30, 1000, TimeSpan.FromSeconds(1)) };
        Assert.Equal(new WorkerPoolKey(Fuel: true), WorkerPoolKey.Of(WorkerRuns.Job(Guests.C("hello"), fits), new WorkerIo(null, new MemoryStream(), new MemoryStream())));
    }

    [Fact]
    public async Task Pool_ConcurrentSpawns_NeverShareAWorker()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        using var pool = new WorkerPool(4, Plain, tmp.Dir("staging"));
        Assert.True(await pool.WaitForReadyAsync(4, Startup, TestContext.Current.CancellationToken), "the pool did not fill");

        // Eight sandboxes at once against four ready workers: each gets its own (pooled or cold), and its own output.
        var runs = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            var job = WorkerRuns.Job(Guests.C("args_env"), Limited, $"sandbox-{i}-marker") with { Pool = pool };
            var result = WorkerLauncher.Run(job, IsolationTier.Jail, Captured(out var stdout, out _), stop: TestContext.Current.CancellationToken);
            return (i, result, Output: Encoding.UTF8.GetString(stdout.ToArray()));
        }, TestContext.Current.CancellationToken)).ToList();
        var done = await Task.WhenAll(runs);

        foreach (var (i, result, output) in done)
        {
            Assert.Equal(RunOutcome.Exited(0), result.Outcome);
            Assert.Contains($"sandbox-{i}-marker", output);
            Assert.Single(MarkerRegex().Matches(output));
        }
        Assert.Equal(8, pool.Taken + pool.Missed);
        Assert.True(pool.Taken >= 1, "no sandbox took a pooled worker");
    }

    [GeneratedRegex(@"sandbox-\d+-marker")]
    private static partial Regex MarkerRegex();

    [Fact]
    public async Task Pool_TakeHammeredFromManyThreads_HandsEachWorkerOutOnce()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        // Self-check workers (they wait for stdin's end), so taking one costs nothing but the take.
        using var pool = new WorkerPool(3, Plain, tmp.Dir("staging"), null, ["--self-check"]);
        Assert.True(await pool.WaitForReadyAsync(3, Startup, TestContext.Current.CancellationToken), "the pool did not fill");
        var job = WorkerRuns.Job(Guests.C("hello"));

        // Threads, not tasks: sixteen takers blocked on one gate must not wait for the thread pool to grow.
        using var gate = new ManualResetEventSlim();
        var results = new BlankWorker?[16];
        var threads = Enumerable.Range(0, 16).Select(i => new Thread(() =>
        {
            gate.Wait(TestContext.Current.CancellationToken);
            results[i] = pool.TryTake(job, new WorkerIo(null, new MemoryStream(), new MemoryStream()));
        })).ToList();
        foreach (var t in threads) t.Start();
        gate.Set();
        foreach (var t in threads) t.Join();
        var taken = results.OfType<BlankWorker>().ToList();
        try
        {
            Assert.InRange(taken.Count, 1, 3);
            Assert.Equal(taken.Count, taken.Distinct(ReferenceEqualityComparer.Instance).Count());
            Assert.Equal(taken.Count, taken.Select(t => t.Process.Id).Distinct().Count());
        }
        finally
        {
            foreach (var t in taken) t.Dispose();
        }
    }

    [Fact]
    public async Task Pool_CannotStartWorkers_BacksOffInsteadOfSpinning()
    {
        WorkerRuns.RequireLinux();
        using var tmp = new TempDir();
        // A staging root under a regular file: every start fails at its first step, on any host.
        var blocked = Path.Combine(tmp.Write("a-file", "not a folder"), "staging");
        var notices = new List<string>();
        using (var pool = new WorkerPool(2, Plain, blocked, n => { lock (notices) notices.Add(n); }))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2500), TestContext.Current.CancellationToken);
            Assert.Equal(0, pool.Ready);
        }

        // 1 s, then 2 s between tries: two or three failures in 2.5 s, not thousands.
        lock (notices)
        {
            Assert.InRange(notices.Count, 1, 3);
            Assert.Contains("tries again in", notices[0]);
        }
    }

    [Fact]
    public async Task Pool_Dispose_KillsIdleWorkersAndLeavesNoFolder()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        var staging = tmp.Dir("staging");
        var pool = new WorkerPool(2, Plain, staging);
        Assert.True(await pool.WaitForReadyAsync(2, Startup, TestContext.Current.CancellationToken), "the pool did not fill");
        Assert.NotEmpty(WorkerRuns.LiveWorkers());
        Assert.Equal(2, Directory.GetDirectories(staging).Length);

        pool.Dispose();

        Assert.Empty(WorkerRuns.LiveWorkers());
        Assert.Empty(Directory.GetDirectories(staging));
    }

    [Fact]
    public void Pool_Start_RemovesFoldersOfDeadOwnersOnly()
    {
        WorkerRuns.RequireLinux();
        using var tmp = new TempDir();
        var staging = tmp.Dir("staging");
        // A pid above the kernel's pid_max (4194304 at most) belongs to nobody.
        var dead = Directory.CreateDirectory(Path.Combine(staging, "wasmbox-module-9999999-pool-1")).FullName;
        File.WriteAllText(Path.Combine(dead, "module.cwasm"), "a copy left by a SIGKILLed daemon");
        var ours = Directory.CreateDirectory(Path.Combine(staging, $"wasmbox-module-{Environment.ProcessId}-pool-999")).FullName;
        var other = Directory.CreateDirectory(Path.Combine(staging, "not-a-module-folder")).FullName;

        using (new WorkerPool(0, Plain, staging)) { }

        Assert.False(Directory.Exists(dead), "a dead owner's folder was left");
        Assert.True(Directory.Exists(ours), "a live owner's folder was removed");
        Assert.True(Directory.Exists(other), "a folder that is not ours was removed");
    }
}
