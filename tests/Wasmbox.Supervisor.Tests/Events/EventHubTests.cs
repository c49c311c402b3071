using System.Diagnostics;
using Wasmbox.Supervisor.Events;

namespace Wasmbox.Supervisor.Tests.Events;

public class EventHubTests
{
    private static SandboxEvent Draft(string id) => new(0, default, EventKind.Created, id, null);

    private static List<SandboxEvent> Drain(EventSubscription s)
    {
        var list = new List<SandboxEvent>();
        while (s.Reader.TryRead(out var e)) list.Add(e);
        return list;
    }

    [Fact]
    public void Publish_NumbersFromOneInOrder_AndStampsTheTime()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero));
        var hub = new EventHub(time);
        using var s = hub.Subscribe();

        hub.Publish(Draft("a"));
        time.Advance(TimeSpan.FromSeconds(1));
        hub.Publish(Draft("b"));

        var got = Drain(s);
        Assert.Equal([1L, 2L], got.Select(e => e.Seq));
        Assert.Equal(["a", "b"], got.Select(e => e.SandboxId));
        Assert.Equal(TimeSpan.FromSeconds(1), got[1].At - got[0].At);
        Assert.Equal(2, hub.LastSeq);
    }

    [Fact]
    public void Subscribe_After_ReplaysOnlyLaterEventsThenLiveOnes()
    {
        var hub = new EventHub();
        for (var i = 0; i < 5; i++) hub.Publish(Draft($"s{i}"));

        using var s = hub.Subscribe(after: 3);
        hub.Publish(Draft("live"));

        Assert.Equal([4L, 5L, 6L], Drain(s).Select(e => e.Seq));
        Assert.Null(s.Gap);
    }

    [Fact]
    public void Subscribe_AfterOlderThanTheHistory_NamesTheGap()
    {
        var hub = new EventHub(history: 3);
        for (var i = 0; i < 10; i++) hub.Publish(Draft($"s{i}"));

        using var s = hub.Subscribe(after: 2);

        Assert.Equal((3L, 7L), s.Gap);
        Assert.Equal([8L, 9L, 10L], Drain(s).Select(e => e.Seq));
    }

    [Fact]
    public void Subscribe_AfterBeyondLastSeq_ReplaysEverythingKept()
    {
        var hub = new EventHub();
        hub.Publish(Draft("a"));

        using var s = hub.Subscribe(after: 500); // a client of a previous daemon run

        Assert.Equal([1L], Drain(s).Select(e => e.Seq));
    }

    [Fact]
    public void Subscribe_WithFilter_GetsOnlyMatchingEvents()
    {
        var hub = new EventHub();
        using var s = hub.Subscribe(filter: e => e.SandboxId == "b");

        hub.Publish(Draft("a"));
        hub.Publish(Draft("b"));
        hub.Publish(Draft("c"));

        Assert.Equal([2L], Drain(s).Select(e => e.Seq));
    }

    [Fact]
    public async Task Publish_SubscriberThatNeverReads_IsCutOffAfterItsBufferAndNeverBlocks()
    {
        var hub = new EventHub(subscriberBuffer: 8);
        using var slow = hub.Subscribe();
        using var fast = hub.Subscribe(filter: e => e.SandboxId == "last");

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 100_000; i++) hub.Publish(Draft(i == 99_999 ? "last" : "x"));
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"publishing took {clock.Elapsed}");
        Assert.Equal(1, hub.SubscriberCount); // the slow one was detached, the filtered one stays
        var kept = new List<long>();
        await foreach (var e in slow.Reader.ReadAllAsync(TestContext.Current.CancellationToken)) kept.Add(e.Seq);
        Assert.True(slow.Overflowed);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), kept);
        Assert.False(fast.Overflowed);
        Assert.Equal([100_000L], Drain(fast).Select(e => e.Seq));
    }

    [Fact]
    public async Task Complete_EndsEverySubscriptionAfterWhatItHolds()
    {
        var hub = new EventHub();
        using var s = hub.Subscribe();
        hub.Publish(Draft("a"));

        hub.Complete();
        hub.Publish(Draft("after"));

        var got = new List<long>();
        await foreach (var e in s.Reader.ReadAllAsync(TestContext.Current.CancellationToken)) got.Add(e.Seq);
        Assert.Equal([1L], got);
        Assert.False(s.Overflowed);
        Assert.Equal(1, hub.LastSeq);
    }

    [Fact]
    public void Publish_ListenerThatThrows_DoesNotStopThePublisherOrOtherListeners()
    {
        var hub = new EventHub();
        var seen = new List<long>();
        hub.AddListener(_ => throw new InvalidOperationException("broken"));
        hub.AddListener(e => seen.Add(e.Seq));

        hub.Publish(Draft("a"));
        hub.Publish(Draft("b"));

        Assert.Equal([1L, 2L], seen);
    }

    [Fact]
    public void Dispose_DetachesTheSubscriber()
    {
        var hub = new EventHub();
        var s = hub.Subscribe();
        Assert.Equal(1, hub.SubscriberCount);

        s.Dispose();

        Assert.Equal(0, hub.SubscriberCount);
        Assert.True(s.Reader.Completion.IsCompleted);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}
