using System.Text;
using Microsoft.Extensions.Time.Testing;
using Wasmbox.Core.Outcomes;
using Wasmbox.Supervisor.Logs;
using Wasmbox.Supervisor.State;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Supervisor.Tests.Table;

/// <summary>
/// Issue 13 item 1: restart policies. A run's end leads to backoff and a new run (same policy, next run number, its own
/// logs and report) or to the sandbox's end; kill stops the restarts; the daemon's restart resumes what it left.
/// The backoff's schedule is checked on a fake clock: there the timing is exact, and nothing waits for real seconds.
/// </summary>
public class RestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static readonly RunOutcome Crash = RunOutcome.Trapped("UnreachableCodeReached", "wasm trap: unreachable");

    /// <summary>The first runs end with the given outcomes (printing "run N"), later ones hang until killed.</summary>
    private static Func<SandboxStartRequest, FakeSandbox> Script(params RunOutcome[] outcomes)
    {
        var run = 0;
        return r =>
        {
            var n = Interlocked.Increment(ref run);
            var s = new FakeSandbox(r);
            s.Print($"run {n}\n");
            if (n <= outcomes.Length) s.End(outcomes[n - 1]);
            return s;
        };
    }

    private static async Task<SandboxRecord> Until(Fixture f, string id, Func<SandboxRecord, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var record = f.Supervisor.Get(id);
            if (done(record)) return record;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"sandbox {id} stayed {record.State.Name()} (run {record.Run})");
            await Task.Delay(5, Ct);
        }
    }

    [Fact]
    public async Task OnFailure_FailsTwiceThenSucceeds_ThreeRunsThenExited0_EachRunItsOwnLogsAndReport()
    {
        await using var f = await Fixture.OpenAsync();
        f.Starter.Behaviour = Script(RunOutcome.Exited(1), Crash, RunOutcome.Exited(0));

        var created = f.Supervisor.Create(f.Request() with { Restart = RestartPolicy.Parse("on-failure") });
        var final = await f.Supervisor.WaitAsync(created.Id, Ct).WaitAsync(Patience, Ct);

        Assert.Equal(SandboxState.Exited, final.State);
        Assert.Equal(0, final.ExitStatus);
        Assert.Equal(3, final.Run);
        Assert.Equal(3, f.Starter.Runs.Count);
        var runs = f.Supervisor.State.Runs(created.Id);
        Assert.Equal(["1 exited 1", "2 trapped 134", "3 exited 0"], runs.Select(r => $"{r.Run} {r.State} {r.ExitStatus}"));
        Assert.All(runs, r => Assert.NotNull(r.Report));
        Assert.Equal("run 2\n", Text(f.Supervisor.Logs.Read(created.Id, new LogQuery(Run: 2))));
        Assert.Equal("run 1\nrun 2\nrun 3\n", Text(f.Supervisor.Logs.Read(created.Id, LogQuery.All)));
    }

    [Fact]
    public async Task OnFailureWithLimit_KeepsFailing_GivesUpAfterNRestarts()
    {
        await using var f = await Fixture.OpenAsync();
        f.Starter.Behaviour = Script(Crash, Crash, Crash, Crash, Crash);

        var created = f.Supervisor.Create(f.Request() with { Restart = RestartPolicy.Parse("on-failure:2") });
        var final = await f.Supervisor.WaitAsync(created.Id, Ct).WaitAsync(Patience, Ct);

        Assert.Equal(SandboxState.Trapped, final.State);
        Assert.Equal(3, final.Run);
        Assert.Equal(3, f.Starter.Runs.Count);
    }

    [Fact]
    public async Task No_IsTheDefault_OneRunOnly()
    {
        await using var f = await Fixture.OpenAsync();
        f.Starter.Behaviour = Script(Crash, Crash);

        var final = await f.Supervisor.WaitAsync(f.Supervisor.Create(f.Request()).Id, Ct).WaitAsync(Patience, Ct);

        Assert.Equal(SandboxState.Trapped, final.State);
        Assert.Equal(1, final.Run);
        Assert.Single(f.Starter.Runs);
    }

    [Fact]
    public async Task Always_CrashLoop_BacksOffOnTheDocumentedSchedule_AndAHealthyRunResetsIt()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var f = await Fixture.OpenAsync(Fixture.Options(o => o with { Time = clock }));
        // Seven quick crashes, then a run that lasts (it hangs until the test ends it), then a crash again.
        var runs = 0;
        FakeSandbox? longRun = null;
        f.Starter.Behaviour = r =>
        {
            var s = new FakeSandbox(r);
            if (Interlocked.Increment(ref runs) == 8) longRun = s;
            else s.End(Crash);
            return s;
        };
        var id = f.Supervisor.Create(f.Request() with { Restart = RestartPolicy.Parse("always") }).Id;

        var expected = new[] { 100, 200, 400, 800, 1600, 3200, 6400 };
        for (var i = 0; i < expected.Length; i++)
        {
            var backoff = await Until(f, id, r => r.State == SandboxState.Backoff && r.Run == i + 1);
            Assert.Equal(TimeSpan.FromMilliseconds(expected[i]), backoff.NextAttemptAt - clock.GetUtcNow());
            clock.Advance(TimeSpan.FromMilliseconds(expected[i] - 1));
            Assert.Equal(SandboxState.Backoff, f.Supervisor.Get(id).State); // not a millisecond early
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        await Until(f, id, r => r.State == SandboxState.Running && r.Run == 8);
        clock.Advance(RestartPolicy.HealthyRun);
        longRun!.End(Crash);
        var afterHealthy = await Until(f, id, r => r.State == SandboxState.Backoff && r.Run == 8);
        Assert.Equal(RestartPolicy.FirstBackoff, afterHealthy.NextAttemptAt - clock.GetUtcNow());
    }

    [Fact]
    public void Backoff_DoublesFrom100msAndStopsAt30s()
    {
        Assert.Equal([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000],
            Enumerable.Range(1, 11).Select(n => (int)RestartPolicy.Backoff(n).TotalMilliseconds));
        Assert.Equal(RestartPolicy.MaxBackoff, RestartPolicy.Backoff(int.MaxValue));
    }

    [Fact]
    public async Task Kill_InBackoff_EndsTheSandboxAndNoRunFollows()
    {
        var clock = new FakeTimeProvider();
        await using var f = await Fixture.OpenAsync(Fixture.Options(o => o with { Time = clock }));
        f.Starter.Behaviour = Script(Crash, Crash, Crash);
        var id = f.Supervisor.Create(f.Request() with { Restart = RestartPolicy.Parse("always") }).Id;
        await Until(f, id, r => r.State == SandboxState.Backoff);

        f.Supervisor.Kill(id);
        var final = await f.Supervisor.WaitAsync(id, Ct).WaitAsync(Patience, Ct);
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(SandboxState.Killed, final.State);
        Assert.Single(f.Starter.Runs);
        Assert.Equal(SandboxState.Killed, f.Supervisor.Get(id).State);
    }

    [Fact]
    public async Task Kill_WhileRunning_EndsTheSandboxWithoutARestart()
    {
        await using var f = await Fixture.OpenAsync();
        f.Starter.Behaviour = FakeSandbox.Hang;
        var id = f.Supervisor.Create(f.Request() with { Restart = RestartPolicy.Parse("always") }).Id;

        f.Supervisor.Kill(id);
        var final = await f.Supervisor.WaitAsync(id, Ct).WaitAsync(Patience, Ct);

        Assert.Equal(SandboxState.Killed, final.State);
        Assert.Single(f.Starter.Runs);
    }

    [Fact]
    public async Task DaemonCrash_RestartableSandboxIsResumedAsItsNextRun_OthersStayLost()
    {
        await using var f = await Fixture.OpenAsync();
        f.Starter.Behaviour = FakeSandbox.Hang;
        var restartable = f.Supervisor.Create(f.Request("keeps") with { Restart = RestartPolicy.Parse("unless-stopped") }).Id;
        var plain = f.Supervisor.Create(f.Request("once")).Id;

        f.Supervisor.Crash();
        f.Supervisor = await global::Wasmbox.Supervisor.Table.Supervisor.OpenAsync(f.Dir.Path, f.Starter);

        Assert.Equal(2, f.Supervisor.LostAtOpen);
        var resumed = f.Supervisor.Get(restartable);
        Assert.Equal(SandboxState.Running, resumed.State);
        Assert.Equal(2, resumed.Run);
        Assert.Equal(["1 lost"], f.Supervisor.State.Runs(restartable).Select(r => $"{r.Run} {r.State}"));
        Assert.Equal(SandboxState.Lost, f.Supervisor.Get(plain).State);
    }

    [Fact]
    public async Task GracefulShutdown_LetsRunsFinishWithinTheGrace_KillsTheRest_NothingLost_AndResumesRestartables()
    {
        await using var f = await Fixture.OpenAsync(Fixture.Options(o => o with { ShutdownGrace = TimeSpan.FromMilliseconds(300) }));
        f.Starter.Behaviour = FakeSandbox.Hang;
        var finishing = f.Supervisor.Create(f.Request("finishing")).Id;
        var stubborn = f.Supervisor.Create(f.Request("stubborn") with { Restart = RestartPolicy.Parse("always") }).Id;
        var finisher = f.Starter.Started[finishing];

        var shutdown = f.Supervisor.DisposeAsync().AsTask();
        await Task.Delay(50, Ct);
        Assert.Throws<ObjectDisposedException>(() => f.Supervisor.Create(f.Request("late")));
        finisher.End(RunOutcome.Exited(0)); // finishes by itself within the grace
        await shutdown.WaitAsync(Patience, Ct);

        var reopened = await global::Wasmbox.Supervisor.Table.Supervisor.OpenAsync(f.Dir.Path, f.Starter);
        f.Supervisor = reopened;
        Assert.Equal(0, reopened.LostAtOpen);
        Assert.Equal(SandboxState.Exited, reopened.Get(finishing).State);
        Assert.Equal(0, finisher.Kills);
        var resumed = reopened.Get(stubborn);
        Assert.Equal(SandboxState.Running, resumed.State);
        Assert.Equal(2, resumed.Run);
        const string stoppedByShutdown = global::Wasmbox.Supervisor.Table.Supervisor.ShutdownMessage;
        Assert.Equal([$"1 killed {stoppedByShutdown}"],
            reopened.State.Runs(stubborn).Select(r => $"{r.Run} {r.State} {r.Message}"));
    }

    [Theory]
    [InlineData("no", "no")]
    [InlineData("", "no")]
    [InlineData("on-failure", "on-failure")]
    [InlineData("on-failure:0", "on-failure:0")]
    [InlineData("on-failure:5", "on-failure:5")]
    [InlineData("always", "always")]
    [InlineData("unless-stopped", "unless-stopped")]
    public void Parse_RoundTrips(string text, string shown)
    {
        Assert.True(RestartPolicy.TryParse(text, out var policy, out var error), error);
        Assert.Equal(shown, policy.ToString());
    }

    [Theory]
    [InlineData("sometimes")]
    [InlineData("on-failure:")]
    [InlineData("on-failure:-1")]
    [InlineData("on-failure:x")]
    [InlineData("on-failure:99999999999")]
    [InlineData("Always")]
    public void Parse_Refuses_SayingWhatToWrite(string text)
    {
        Assert.False(RestartPolicy.TryParse(text, out _, out var error));
        Assert.Contains("write no, on-failure, on-failure:N", error);
    }

    private static string Text(IReadOnlyList<LogChunk> chunks) => string.Concat(chunks.Select(c => Encoding.UTF8.GetString(c.Data)));
}
