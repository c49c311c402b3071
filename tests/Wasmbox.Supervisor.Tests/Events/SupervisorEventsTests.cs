using System.Diagnostics;
using Wasmbox.Core.Outcomes;
using Wasmbox.Supervisor.Events;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Supervisor.Tests.Events;

/// <summary>What the supervisor publishes for each step of a sandbox's life, and that no subscriber can hold it up.</summary>
public class SupervisorEventsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static List<SandboxEvent> Drain(EventSubscription s)
    {
        var list = new List<SandboxEvent>();
        while (s.Reader.TryRead(out var e)) list.Add(e);
        return list;
    }

    [Fact]
    public async Task Create_GuestHitsItsTimeout_PublishesCreatedStartedLimitHitExitedInOrder()
    {
        await using var f = await Fixture.OpenAsync();
        using var events = f.Supervisor.Events.Subscribe();
        f.Starter.Behaviour = r =>
        {
            var s = new FakeSandbox(r);
            s.End(RunOutcome.TimedOut(TimeSpan.FromSeconds(1)),
                new ResourceUsage(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(900), 1234, 65536, [LimitKind.Timeout]));
            return s;
        };

        var id = f.Supervisor.Create(f.Request("job1")).Id;
        await f.Supervisor.WaitAsync(id, Ct).WaitAsync(Patience, Ct);

        var got = Drain(events);
        Assert.Equal([EventKind.Created, EventKind.Started, EventKind.LimitHit, EventKind.Exited], got.Select(e => e.Kind));
        Assert.All(got, e => Assert.Equal(id, e.SandboxId));
        Assert.All(got, e => Assert.Equal("job1", e.Name));
        Assert.Equal(got.Select(e => e.Seq).Order(), got.Select(e => e.Seq));
        Assert.Equal("timeout", got[2].Limit);
        var end = got[3];
        Assert.Equal("timeout", end.State);
        Assert.Equal("timeout", end.Outcome);
        Assert.Equal(124, end.ExitStatus);
        Assert.Equal(["timeout"], end.LimitsHit);
        Assert.Equal(900, end.CpuMs);
        Assert.Equal(1234UL, end.FuelConsumed);
        Assert.Equal(65536, end.PeakMemoryBytes);
    }

    /// <summary>A refusal its starter tells while the run runs is published at once; the run's end publishes only the kept refusals not told.</summary>
    [Fact]
    public async Task Refusal_ToldWhileRunning_IsPublishedAtOnce_AndNotAgainAtTheEnd()
    {
        await using var f = await Fixture.OpenAsync();
        using var events = f.Supervisor.Events.Subscribe();
        FakeSandbox? sandbox = null;
        f.Starter.Behaviour = r => sandbox = new FakeSandbox(r);
        var first = new Refusal("path_open", "'/ro/a': write access in a read-only grant", "perm");
        var second = new Refusal("sock_connect", "10.0.0.1:80 is outside every --allow-net rule", "acces");

        var id = f.Supervisor.Create(f.Request("told")).Id;
        sandbox!.Request.Refused!(first);
        var live = Drain(events);
        sandbox.End(new RunResult(RunOutcome.Exited(0), ResourceUsage.Zero, null) { Refusals = new RefusalAudit([first, second], 7) });
        await f.Supervisor.WaitAsync(id, Ct).WaitAsync(Patience, Ct);
        var atEnd = Drain(events);

        Assert.Equal([EventKind.Created, EventKind.Started, EventKind.Refused], live.Select(e => e.Kind));
        Assert.Equal(("path_open", "perm"), (live[2].Call, live[2].Errno));
        Assert.Equal([EventKind.Refused, EventKind.Exited], atEnd.Select(e => e.Kind));
        Assert.Equal("sock_connect", atEnd[0].Call);
        Assert.Equal(5, atEnd[1].RefusalsNotKept);
    }

    /// <summary>A daemon numbers its events above every earlier daemon's on the data dir, so a resume with an old number sees a gap, never reused numbers.</summary>
    [Fact]
    public async Task EventNumbers_OfTheNextDaemon_StartAboveThePreviousOnes()
    {
        using var dir = new TempDir("wasmbox-seq");
        long firstRun, secondRun;
        await using (var one = await global::Wasmbox.Supervisor.Table.Supervisor.OpenAsync(dir.Path, new FakeStarter()))
        {
            one.Events.Publish(SandboxEvent.PoolEmpty("jail", "x"));
            firstRun = one.Events.LastSeq;
        }
        await using (var two = await global::Wasmbox.Supervisor.Table.Supervisor.OpenAsync(dir.Path, new FakeStarter()))
        {
            using var resume = two.Events.Subscribe(after: firstRun);
            two.Events.Publish(SandboxEvent.PoolEmpty("jail", "y"));
            secondRun = two.Events.LastSeq;
            Assert.NotNull(resume.Gap);
        }

        Assert.Equal(1, firstRun);
        Assert.Equal((1L << 32) + 1, secondRun);
    }

    [Fact]
    public async Task Kill_RunningSandbox_EndsWithKilledEvent()
    {
        await using var f = await Fixture.OpenAsync();
        using var events = f.Supervisor.Events.Subscribe();

        var id = f.Supervisor.Create(f.Request()).Id;
        f.Supervisor.Kill(id);
        await f.Supervisor.WaitAsync(id, Ct).WaitAsync(Patience, Ct);

        var got = Drain(events);
        Assert.Equal([EventKind.Created, EventKind.Started, EventKind.Killed], got.Select(e => e.Kind));
        Assert.Equal("killed", got[2].State);
        Assert.Equal(137, got[2].ExitStatus);
    }

    [Fact]
    public async Task Create_StarterThrows_PublishesCreatedThenExitedFailedWithoutStarted()
    {
        await using var f = await Fixture.OpenAsync();
        using var events = f.Supervisor.Events.Subscribe();
        f.Starter.Behaviour = _ => throw new InvalidOperationException("bubblewrap is not installed");

        f.Supervisor.Create(f.Request());

        var got = Drain(events);
        Assert.Equal([EventKind.Created, EventKind.Exited], got.Select(e => e.Kind));
        Assert.Equal("failed", got[1].State);
        Assert.Equal("setup_failed", got[1].Outcome);
        Assert.Contains("bubblewrap is not installed", got[1].Message);
    }

    [Fact]
    public async Task OpenAsync_AfterACrash_PublishesLostForEachLiveRecord()
    {
        await using var f = await Fixture.OpenAsync();
        var hung = Enumerable.Range(0, 2).Select(i => f.Supervisor.Create(f.Request($"hangs-{i}")).Id).ToList();

        f.Supervisor.Crash();
        f.Supervisor = await global::Wasmbox.Supervisor.Table.Supervisor.OpenAsync(f.Dir.Path, f.Starter);
        using var events = f.Supervisor.Events.Subscribe(after: 0);

        var got = Drain(events);
        Assert.Equal([EventKind.Lost, EventKind.Lost], got.Select(e => e.Kind));
        Assert.Equal(hung.Order(), got.Select(e => e.SandboxId!).Order());
        Assert.All(got, e => Assert.Equal("lost", e.State));
    }

    [Fact]
    public async Task Create_WithASubscriberThatNeverReads_SpawnsDoNotWaitAndTheSubscriberIsCutOff()
    {
        await using var f = await Fixture.OpenAsync();
        f.Starter.Behaviour = FakeSandbox.Ends(RunOutcome.Exited(0));
        using var stuck = f.Supervisor.Events.Subscribe();
        using var follower = f.Supervisor.Events.Subscribe();
        var followed = new List<SandboxEvent>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in follower.Reader.ReadAllAsync(Ct)) lock (followed) followed.Add(e);
        }, Ct);

        // Three events a sandbox: well past the stuck subscriber's buffer.
        var count = EventHub.DefaultSubscriberBuffer / 3 + 50;
        var clock = Stopwatch.StartNew();
        var ids = new List<string>();
        for (var i = 0; i < count; i++) ids.Add(f.Supervisor.Create(f.Request()).Id);
        foreach (var id in ids) await f.Supervisor.WaitAsync(id, Ct).WaitAsync(Patience, Ct);
        clock.Stop();

        Assert.True(stuck.Overflowed);
        Assert.Equal(EventHub.DefaultSubscriberBuffer, Drain(stuck).Count);
        Poll.Until(() => { lock (followed) return followed.Count; }, n => n == 3 * count, Patience);
        lock (followed) Assert.Equal(Enumerable.Range(1, 3 * count).Select(i => (long)i), followed.Select(e => e.Seq));
        Assert.False(follower.Overflowed);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{count} spawns took {clock.Elapsed}");
        follower.Dispose();
        await reading.WaitAsync(Patience, Ct);
    }

    [Fact]
    public async Task DisposeAsync_EndsSubscriptionsAfterTheKilledEvents()
    {
        var f = await Fixture.OpenAsync();
        var id = f.Supervisor.Create(f.Request()).Id;
        using var events = f.Supervisor.Events.Subscribe();

        await f.Supervisor.DisposeAsync();

        var got = new List<SandboxEvent>();
        await foreach (var e in events.Reader.ReadAllAsync(Ct).WithCancellation(Ct)) got.Add(e);
        Assert.Equal([EventKind.Killed], got.Select(e => e.Kind));
        Assert.Equal(id, got[0].SandboxId);
        await f.DisposeAsync();
    }
}

/// <summary>The events of restarts and of refusals, which need the restart policy and the run's audit.</summary>
public class SupervisorRestartAndRefusalEventsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OnFailure_OneRestart_PublishesEachRunsEndThenRestartedWithItsBackoff()
    {
        await using var f = await Fixture.OpenAsync();
        using var events = f.Supervisor.Events.Subscribe();
        f.Starter.Behaviour = FakeSandbox.Ends(RunOutcome.Exited(1));

        var id = f.Supervisor.Create(f.Request("flaky") with { Restart = RestartPolicy.Parse("on-failure:1") }).Id;
        await f.Supervisor.WaitAsync(id, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        var got = new List<SandboxEvent>();
        while (events.Reader.TryRead(out var e)) got.Add(e);
        Assert.Equal([EventKind.Created, EventKind.Started, EventKind.Exited, EventKind.Restarted, EventKind.Started, EventKind.Exited], got.Select(e => e.Kind));
        var restarted = got[3];
        Assert.Equal(100, restarted.BackoffMs);
        Assert.Equal(1, restarted.RestartCount);
        Assert.Equal("on-failure:1: run 1 ended exited", restarted.Reason);
        Assert.All(got, e => Assert.Equal("flaky", e.Name));
    }

    [Fact]
    public async Task RunWithRefusals_PublishesOneRefusedPerKeptRefusalBeforeItsEnd()
    {
        await using var f = await Fixture.OpenAsync();
        using var events = f.Supervisor.Events.Subscribe();
        f.Starter.Behaviour = r =>
        {
            var s = new FakeSandbox(r);
            s.End(new RunResult(RunOutcome.Exited(0), ResourceUsage.Zero, r.ModuleSha256)
            {
                Refusals = new RefusalAudit([new Refusal("path_open", "'/etc/passwd' is outside every grant", "notcapable"), new Refusal("fd_write", "read-only grant '/in'", "perm")], 2),
            });
            return s;
        };

        var id = f.Supervisor.Create(f.Request()).Id;
        await f.Supervisor.WaitAsync(id, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        var got = new List<SandboxEvent>();
        while (events.Reader.TryRead(out var e)) got.Add(e);
        Assert.Equal([EventKind.Created, EventKind.Started, EventKind.Refused, EventKind.Refused, EventKind.Exited], got.Select(e => e.Kind));
        Assert.Equal(("path_open", "notcapable"), (got[2].Call, got[2].Errno));
        Assert.Contains("/etc/passwd", got[2].Reason);
        Assert.Equal("fd_write", got[3].Call);
    }
}
