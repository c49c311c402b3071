using System.Diagnostics;
using System.Runtime.InteropServices;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Interop;
using Wasmbox.Jail.Workers;

namespace Wasmbox.Jail.Tests.Workers;

/// <summary>Descriptors and outputs: what a worker gets from its parent, and that a working guest still works inside.</summary>
[Collection(WorkerCollection.Name)]
public class WorkerHygieneTests
{
    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    public void Worker_ParentFdWithoutCloexec_IsNotInheritedByTheWorker(IsolationTier tier)
    {
        WorkerRuns.Require(tier);
        using var tmp = new TempDir();
        var secret = tmp.Write("parent-secret.txt", "the parent's own file");
        using var leaky = File.OpenHandle(secret);
        var fd = (int)leaky.DangerousGetHandle();
        Assert.Equal(0, Sys.Fcntl(fd, Sys.F_SETFD, 0)); // what a careless library (or our own parent) leaves behind

        // The control: a plain child does see it, so the assertion below can fail.
        using (var control = Process.Start(new ProcessStartInfo("/bin/ls", ["-l", "/proc/self/fd"]) { RedirectStandardOutput = true })!)
        {
            var listing = control.StandardOutput.ReadToEnd();
            control.WaitForExit();
            Assert.Contains(secret, listing);
        }

        var report = WorkerRuns.SelfCheck(tier, WorkerRuns.Job(Guests.C("hello")));

        var fds = report.GetProperty("fds").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.DoesNotContain(fds, f => f.Contains("parent-secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    public void Worker_Hello_RunsAndItsOutputArrives(IsolationTier tier)
    {
        WorkerRuns.Require(tier);
        var run = WorkerRuns.Run(tier, WorkerRuns.Job(Guests.C("args_env"), SandboxPolicy.DenyAll with { Env = [new("GREETING", "hi")] }, "one", "two"));

        Assert.Equal(RunOutcome.Exited(0), run.Outcome);
        Assert.Contains("one", run.Stdout);
        Assert.Contains("GREETING=hi", run.Stdout);
        Assert.NotNull(run.Result.Usage);
        Assert.True(run.Result.Usage.PeakRssBytes > 0, "the worker reported no peak RSS");
    }

    [Fact]
    public void Jail_ReaderOfStdoutGoesAway_GuestIsStoppedNotLeftRunning()
    {
        // `wasmbox run flood.wasm | head -c 20`: once our stdout breaks, a guest that would write for minutes is stopped.
        WorkerRuns.RequireJail();
        var job = WorkerRuns.Job(Guests.C("output_flood"), SandboxPolicy.DenyAll, "100000000", "64");
        var result = WorkerLauncher.Run(job, IsolationTier.Jail, new WorkerIo(null, new BreaksAfter(4096), new MemoryStream()), stop: TestContext.Current.CancellationToken);

        Assert.Equal(OutcomeKind.Killed, result.Outcome.Kind);
        Assert.Contains("stdout went away", result.Outcome.Message);
        Assert.Equal(137, result.Outcome.ExitStatus);
        Assert.Empty(WorkerRuns.LiveWorkers());
    }

    /// <summary>A stdout whose reader went away after <paramref name="limit"/> bytes: then every write is EPIPE.</summary>
    private sealed class BreaksAfter(int limit) : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length + count > limit) throw new IOException("Broken pipe");
            base.Write(buffer, offset, count);
        }
    }

    [Fact]
    public void Jail_StdinFramesAndGrants_ReachTheGuest()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        var data = tmp.Dir("data");
        var policy = SandboxPolicy.DenyAll with { Dirs = [new DirGrant(data, "/d", ReadOnly: false)] };

        var written = WorkerRuns.Run(IsolationTier.Jail, WorkerRuns.Job(Guests.C("files"), policy, "write", "/d/out.txt", "from the jail"));
        var echoed = WorkerRuns.Run(IsolationTier.Jail, WorkerRuns.Job(Guests.C("cat_stdin")), new MemoryStream("piped in\n"u8.ToArray()));

        Assert.Equal(RunOutcome.Exited(0), written.Outcome);
        Assert.Equal("from the jail", File.ReadAllText(Path.Combine(data, "out.txt")));
        Assert.Equal(RunOutcome.Exited(0), echoed.Outcome);
        Assert.Contains("piped in", echoed.Stdout);
    }

    [Fact]
    public void Jail_EscapeAttemptThroughTheGrant_IsRefusedAndTheHostIsUnchanged()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        var data = tmp.Dir("data");
        var outside = tmp.Write("outside.txt", "host file next to the grant");
        var before = HostSnapshot.Of(tmp.Path);
        var policy = SandboxPolicy.DenyAll with { Dirs = [new DirGrant(data, "/d", ReadOnly: false)] };

        var run = WorkerRuns.Run(IsolationTier.Jail, WorkerRuns.Job(Guests.C("files"), policy, "write", "/d/../outside.txt", "overwritten"));

        Assert.NotEqual(RunOutcome.Exited(0), run.Outcome);
        Assert.Equal("host file next to the grant", File.ReadAllText(outside));
        Assert.Empty(HostSnapshot.Of(tmp.Path).DiffFrom(before));
    }

    [Theory]
    [InlineData(IsolationTier.Process)]
    [InlineData(IsolationTier.Jail)]
    public void Worker_PeakRss_IsTheWorkersOwnNotItsParentsAtTheFork(IsolationTier tier)
    {
        // The test host is a large process; a worker that reported ru_maxrss would report it (it survives execve).
        WorkerRuns.Require(tier);
        var parentRss = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;
        var run = WorkerRuns.Run(tier, WorkerRuns.Job(Guests.C("hello")));

        Assert.Equal(OutcomeKind.Exited, run.Result.Outcome.Kind);
        Assert.NotNull(run.Result.Usage.PeakRssBytes);
        Assert.InRange(run.Result.Usage.PeakRssBytes!.Value, 1L << 20, 200L << 20);
        Assert.True(run.Result.Usage.PeakRssBytes < parentRss, $"worker {run.Result.Usage.PeakRssBytes} vs parent {parentRss}");
    }
}
