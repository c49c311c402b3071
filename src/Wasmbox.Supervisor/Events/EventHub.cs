using System.Threading.Channels;

namespace Wasmbox.Supervisor.Events;

/// <summary>
/// The daemon's event bus: numbers every event, keeps the most recent ones for resuming, and hands them to
/// subscribers (the <c>/v1/events</c> streams) and listeners (the metrics).
/// </summary>
/// <remarks>
/// <para>Overview. The supervisor publishes from its own threads (a spawn request, a sandbox's observer), and must never
/// wait for a client. So:</para>
/// <list type="bullet">
/// <item><see cref="Publish"/> takes one short lock, stamps <see cref="SandboxEvent.Seq"/> and <see cref="SandboxEvent.At"/>,
/// appends to the history ring, calls the listeners, and offers the event to each subscriber with a non-blocking
/// <c>TryWrite</c>. It never awaits and never allocates per subscriber beyond the channel's slot.</item>
/// <item>Each subscriber has a bounded channel (its replay plus <see cref="SubscriberBuffer"/> events). A subscriber that
/// falls that far behind is cut off, not waited for: its channel is completed after the events it already holds, and
/// <see cref="EventSubscription.Overflowed"/> tells the reader, which says so to its client. The client resumes from the
/// last event it saw (<c>Last-Event-ID</c>); the history usually still holds what it missed, and when it does not,
/// <see cref="EventSubscription.Gap"/> names the sequence numbers that are gone.</item>
/// <item>Sequence numbers and history live in memory: they start at 1 each time the daemon starts. The state database,
/// not the event stream, is the record of what happened.</item>
/// </list>
/// <para>Listeners are called under the lock, in sequence order, so they must be quick and must not publish; an exception
/// from one is swallowed so that a broken listener cannot stop the supervisor.</para>
/// </remarks>
public sealed class EventHub
{
    /// <summary>How many recent events are kept for <c>Last-Event-ID</c>/<c>--since</c>.</summary>
    public const int DefaultHistory = 4096;

    /// <summary>How many events a subscriber may lag behind before it is cut off.</summary>
    public const int DefaultSubscriberBuffer = 1024;

    private readonly Lock _gate = new();
    private readonly SandboxEvent[] _history;
    private readonly List<EventSubscription> _subscribers = [];
    private readonly List<Action<SandboxEvent>> _listeners = [];
    private readonly TimeProvider _time;
    private int _start;
    private int _count;
    private long _seq;
    private bool _completed;

    /// <param name="firstSeq">The first event's number. A daemon numbers its events above every earlier daemon's on the same
    /// data dir (<see cref="SeqBase"/>), so a client resuming with an older number is told of the gap, never given
    /// numbers it has seen before for other events.</param>
    public EventHub(TimeProvider? time = null, int history = DefaultHistory, int subscriberBuffer = DefaultSubscriberBuffer, long firstSeq = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(history, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(subscriberBuffer, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(firstSeq, 1);
        _seq = firstSeq - 1;
        _time = time ?? TimeProvider.System;
        _history = new SandboxEvent[history];
        SubscriberBuffer = subscriberBuffer;
    }

    public int SubscriberBuffer { get; }

    /// <summary>
    /// The first event number of the <paramref name="daemonStart"/>-th daemon on a data dir: 1 for the first, then 2^32
    /// further for each (room for four billion events a daemon, and for two million daemon starts below 2^53, the largest
    /// integer a JavaScript client reads exactly).
    /// </summary>
    public static long SeqBase(long daemonStart) => ((daemonStart - 1) << 32) + 1;

    /// <summary>The sequence number of the newest event (0 before the first).</summary>
    public long LastSeq { get { lock (_gate) return _seq; } }

    /// <summary>How many subscribers are attached now.</summary>
    public int SubscriberCount { get { lock (_gate) return _subscribers.Count; } }

    /// <summary>Numbers, stamps and delivers one event; returns it as delivered. Never blocks on a subscriber. After <see cref="Complete"/> it is dropped.</summary>
    public SandboxEvent Publish(SandboxEvent draft)
    {
        lock (_gate)
        {
            if (_completed) return draft;
            var e = draft with { Seq = ++_seq, At = _time.GetUtcNow() };
            _history[(_start + _count) % _history.Length] = e;
            if (_count < _history.Length) _count++;
            else _start = (_start + 1) % _history.Length;
            foreach (var listener in _listeners)
            {
                try { listener(e); }
                catch (Exception) { /* a broken listener must not stop the supervisor (see remarks) */ }
            }
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var s = _subscribers[i];
                if (s.Filter is { } f && !f(e)) continue;
                if (s.Writer.TryWrite(e)) continue;
                s.Overflowed = true;
                s.Writer.TryComplete();
                _subscribers.RemoveAt(i);
            }
            return e;
        }
    }

    /// <summary>Publishes several events back to back (e.g. limit_hit events and the end of a run).</summary>
    public void PublishAll(IEnumerable<SandboxEvent> drafts)
    {
        foreach (var d in drafts) Publish(d);
    }

    /// <summary>Calls <paramref name="listener"/> with every event published from now on, synchronously and in order (see remarks).</summary>
    public void AddListener(Action<SandboxEvent> listener)
    {
        lock (_gate) _listeners.Add(listener);
    }

    /// <summary>
    /// Attaches a subscriber. With <paramref name="after"/>, the kept events numbered above it come first (a resume);
    /// without, only events published from now on. A resume from a number above <see cref="LastSeq"/> (a client of a
    /// previous daemon run) replays everything kept.
    /// </summary>
    /// <param name="filter">Which events this subscriber wants; called under the hub's lock, so it must be quick.</param>
    public EventSubscription Subscribe(long? after = null, Func<SandboxEvent, bool>? filter = null)
    {
        lock (_gate)
        {
            var replay = new List<SandboxEvent>();
            (long From, long To)? gap = null;
            if (after is { } a)
            {
                if (a > _seq || a < 0) a = 0;
                var oldest = _count == 0 ? _seq + 1 : _history[_start].Seq;
                if (a + 1 < oldest) gap = (a + 1, oldest - 1);
                for (var i = 0; i < _count; i++)
                {
                    var e = _history[(_start + i) % _history.Length];
                    if (e.Seq > a && (filter is null || filter(e))) replay.Add(e);
                }
            }
            var channel = Channel.CreateBounded<SandboxEvent>(new BoundedChannelOptions(replay.Count + SubscriberBuffer)
            {
                SingleWriter = false,
                SingleReader = false,
                FullMode = BoundedChannelFullMode.Wait, // only TryWrite is used: a full channel refuses, and the hub cuts the subscriber off
            });
            foreach (var e in replay) channel.Writer.TryWrite(e);
            var subscription = new EventSubscription(this, channel, filter, gap);
            if (_completed) channel.Writer.TryComplete();
            else _subscribers.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Ends every subscription after the events it holds (the daemon is shutting down); later publishes are dropped.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            foreach (var s in _subscribers) s.Writer.TryComplete();
            _subscribers.Clear();
        }
    }

    internal void Unsubscribe(EventSubscription subscription)
    {
        lock (_gate) _subscribers.Remove(subscription);
        subscription.Writer.TryComplete();
    }
}

/// <summary>One subscriber's view of the hub: read <see cref="Reader"/> until it completes, then look at <see cref="Overflowed"/>.</summary>
public sealed class EventSubscription : IDisposable
{
    private readonly EventHub _hub;
    private readonly Channel<SandboxEvent> _channel;

    internal EventSubscription(EventHub hub, Channel<SandboxEvent> channel, Func<SandboxEvent, bool>? filter, (long From, long To)? gap)
    {
        _hub = hub;
        Buffer = hub.SubscriberBuffer;
        _channel = channel;
        Filter = filter;
        Gap = gap;
    }

    public ChannelReader<SandboxEvent> Reader => _channel.Reader;

    /// <summary>How many events past its replay this subscriber may lag before it is cut off.</summary>
    public int Buffer { get; }

    /// <summary>On a resume: the sequence numbers (inclusive) the history no longer held; null when nothing was missed.</summary>
    public (long From, long To)? Gap { get; }

    /// <summary>True when the hub cut this subscriber off because it fell <see cref="EventHub.SubscriberBuffer"/> events behind;
    /// the reader still gets every event before the cut.</summary>
    public bool Overflowed { get; internal set; }

    internal Func<SandboxEvent, bool>? Filter { get; }

    internal ChannelWriter<SandboxEvent> Writer => _channel.Writer;

    public void Dispose() => _hub.Unsubscribe(this);
}
