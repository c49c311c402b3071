using Prometheus;
using Wasmbox.Core.Outcomes;
using Wasmbox.Supervisor.Events;
using Wasmbox.Supervisor.Table;
using SupervisorCore = Wasmbox.Supervisor.Table.Supervisor;

namespace Wasmbox.Daemon.Metrics;

/// <summary>
/// The daemon's Prometheus metrics (docs/metrics.md lists them): a projection of the supervisor's events, plus the table
/// and <see cref="SupervisorGauges"/> read at each scrape. Written by prometheus-net into its text format 0.0.4.
/// </summary>
/// <remarks>
/// <para>Counters come from events (<see cref="EventHub.AddListener"/>), so whatever publishes an event is counted
/// without knowing about metrics: the restart policy's <c>restarted</c>, the pool's <c>pool_empty</c>, the worker's
/// <c>refused</c> (once it reports them).</para>
/// <para>Per-sandbox series (CPU seconds, fuel, peak memory, labelled <c>sandbox</c> with the name, else the id) are capped
/// at <see cref="MaxSandboxSeries"/> sandboxes (by default): a new sandbox past the cap evicts the one updated longest ago (all three
/// of its series), and <c>wasmbox_sandbox_series_evicted_total</c> counts the evictions. Every other label takes values
/// from a fixed list (states, outcomes, limits, WASI call names), so its cardinality is bounded by the code.</para>
/// <para>The registry is a private one, not prometheus-net's static default: the default registers the .NET event-counter
/// and meter adapters on first scrape, which need EventSource (disabled in this NativeAOT daemon) and would expose the
/// daemon's runtime internals to every scraper.</para>
/// </remarks>
internal sealed class DaemonMetrics
{
    /// <summary>How many sandboxes get per-sandbox series at once, by default.</summary>
    public const int MaxSandboxSeries = 500;

    /// <summary>Buckets of the create → running histogram, in seconds: a cached jailed start is tens of ms, a first compile seconds.</summary>
    public static readonly double[] SpawnLatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly SupervisorCore _supervisor;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _createdAt = [];
    private readonly LinkedList<string> _sandboxOrder = new();
    private readonly Dictionary<string, LinkedListNode<string>> _sandboxNodes = [];

    private readonly Gauge _sandboxes;
    private readonly Counter _spawns;
    private readonly Counter _exits;
    private readonly Counter _restarts;
    private readonly Counter _limitHits;
    private readonly Counter _refusals;
    private readonly Counter _lost;
    private readonly Counter _poolEmpty;
    private readonly Histogram _spawnLatency;
    private readonly Gauge _poolSize;
    private readonly Gauge _subscribers;
    private readonly Counter _sandboxCpu;
    private readonly Counter _sandboxFuel;
    private readonly Gauge _sandboxMemory;
    private readonly Counter _sandboxRead;
    private readonly Counter _sandboxWritten;
    private readonly Counter _evicted;
    /// <summary>Per sandbox label: bytes read and written by its ended runs; a scrape adds the running run's so far.</summary>
    private readonly Dictionary<string, (long Read, long Written, int Run)> _endedIo = [];
    private readonly int _maxSandboxSeries;

    public DaemonMetrics(SupervisorCore supervisor, int maxSandboxSeries = MaxSandboxSeries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSandboxSeries, 1);
        _supervisor = supervisor;
        _maxSandboxSeries = maxSandboxSeries;
        var f = Prometheus.Metrics.WithCustomRegistry(_registry);
        _sandboxes = f.CreateGauge("wasmbox_sandboxes", "Sandboxes in the daemon's table by state (live and ended records that were not removed).", ["state"]);
        _spawns = f.CreateCounter("wasmbox_spawns_total", "Sandboxes created since the daemon started.");
        _exits = f.CreateCounter("wasmbox_exits_total", "Runs that ended since the daemon started, by outcome (the report's outcome).", ["outcome"]);
        _restarts = f.CreateCounter("wasmbox_restarts_total", "Restarts by a restart policy since the daemon started.");
        _limitHits = f.CreateCounter("wasmbox_limit_hits_total", "Limits reached by runs since the daemon started, by limit.", ["limit"]);
        _refusals = f.CreateCounter("wasmbox_refusals_total", "WASI calls or destinations the policy refused, by call, at each run's end (refusals past the audit's kept ones are counted as call=\"other\").", ["call"]);
        _lost = f.CreateCounter("wasmbox_lost_total", "Sandboxes found live at start-up whose worker died with a previous daemon.");
        _poolEmpty = f.CreateCounter("wasmbox_pool_empty_total", "Times a worker pool had nothing to hand out.");
        _spawnLatency = f.CreateHistogram("wasmbox_spawn_latency_seconds", "Time from a sandbox's creation to its worker running.",
            new HistogramConfiguration { Buckets = SpawnLatencyBuckets });
        _poolSize = f.CreateGauge("wasmbox_pool_size", "Prepared workers waiting in the pool (0 while the daemon has no pool).");
        _subscribers = f.CreateGauge("wasmbox_event_subscribers", "Clients attached to /v1/events.");
        _sandboxCpu = f.CreateCounter("wasmbox_sandbox_cpu_seconds_total", "CPU seconds of a sandbox's ended runs (capped set of sandboxes, see docs/metrics.md).", ["sandbox"]);
        _sandboxFuel = f.CreateCounter("wasmbox_sandbox_fuel_consumed_total", "Fuel (instructions budget units) a sandbox's ended runs consumed, where fuel was metered.", ["sandbox"]);
        _sandboxMemory = f.CreateGauge("wasmbox_sandbox_peak_memory_bytes", "Peak linear memory of a sandbox's last ended run, in bytes.", ["sandbox"]);
        _sandboxRead = f.CreateCounter("wasmbox_sandbox_read_bytes_total", "Bytes a sandbox's guest read through its descriptors (files, stdin, sockets): ended runs plus the running one so far.", ["sandbox"]);
        _sandboxWritten = f.CreateCounter("wasmbox_sandbox_written_bytes_total", "Bytes a sandbox's guest wrote through its descriptors (files, stdout, stderr, sockets): ended runs plus the running one so far.", ["sandbox"]);
        _evicted = f.CreateCounter("wasmbox_sandbox_series_evicted_total", $"Sandboxes whose per-sandbox series were dropped to keep at most {maxSandboxSeries}.");

        // Every value of a fixed label exists from the start at 0, so a query over it never finds the series missing.
        foreach (var s in Enum.GetValues<SandboxState>()) _sandboxes.WithLabels(s.Name());
        foreach (var o in Enum.GetValues<OutcomeKind>()) _exits.WithLabels(o.Name());
        foreach (var l in Enum.GetValues<LimitKind>()) _limitHits.WithLabels(l.Name());

        // The lost events were published when the supervisor opened, before this listener existed.
        _lost.Inc(supervisor.LostAtOpen);
        _registry.AddBeforeCollectCallback(RefreshAsync);
        supervisor.Events.AddListener(Observe);
    }

    /// <summary>Writes the text format 0.0.4 to <paramref name="output"/>.</summary>
    public Task WriteAsync(Stream output, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(output, cancellationToken);

    /// <summary>How long a scrape waits for running sandboxes' workers to say what their guests read and wrote so far.</summary>
    public static readonly TimeSpan LiveAnswerWait = TimeSpan.FromMilliseconds(200);

    private async Task RefreshAsync(CancellationToken cancel)
    {
        Refresh();
        // The running runs' bytes so far: their workers are asked all at once, and a worker that does not answer in time
        // shows what it said last.
        await _supervisor.RefreshAsync(null, LiveAnswerWait, cancel).ConfigureAwait(false);
        foreach (var (label, run, usage) in _supervisor.SampleRunning())
        {
            if (usage.Guest?.Io is not { } io) continue;
            lock (_gate)
            {
                Track(label);
                var ended = _endedIo.GetValueOrDefault(label);
                // Why: the sample may be of a run whose end was counted meanwhile; adding it again would count it twice.
                if (run <= ended.Run) continue;
                _sandboxRead.WithLabels(label).IncTo(ended.Read + io.BytesRead);
                _sandboxWritten.WithLabels(label).IncTo(ended.Written + io.BytesWritten);
            }
        }
    }

    private void Refresh()
    {
        var counts = Enum.GetValues<SandboxState>().ToDictionary(s => s, _ => 0);
        foreach (var r in _supervisor.List()) counts[r.State]++;
        foreach (var (state, n) in counts) _sandboxes.WithLabels(state.Name()).Set(n);
        _poolSize.Set(_supervisor.Gauges.PoolSize);
        _subscribers.Set(_supervisor.Events.SubscriberCount);
    }

    /// <summary>Called by the hub for every event, in order, under its lock: quick, and never publishing.</summary>
    private void Observe(SandboxEvent e)
    {
        lock (_gate)
        {
            switch (e.Kind)
            {
                case EventKind.Created:
                    _spawns.Inc();
                    if (e.SandboxId is { } created) _createdAt[created] = e.At;
                    break;
                case EventKind.Started:
                    if (e.SandboxId is { } started && _createdAt.Remove(started, out var at))
                        _spawnLatency.Observe(Math.Max(0, (e.At - at).TotalSeconds));
                    break;
                case EventKind.Exited or EventKind.Killed:
                    if (e.SandboxId is { } id) _createdAt.Remove(id);
                    if (e.Outcome is { } outcome) _exits.WithLabels(outcome).Inc();
                    PerSandbox(e);
                    break;
                case EventKind.LimitHit when e.Limit is { } limit:
                    _limitHits.WithLabels(limit).Inc();
                    break;
                case EventKind.Refused when e.Call is { } call:
                    _refusals.WithLabels(call).Inc();
                    break;
                case EventKind.Restarted:
                    _restarts.Inc();
                    break;
                case EventKind.Lost:
                    _lost.Inc();
                    break;
                case EventKind.PoolEmpty:
                    _poolEmpty.Inc();
                    break;
            }
        }
    }

    private void PerSandbox(SandboxEvent e)
    {
        if (e.RefusalsNotKept is > 0 and var notKept) _refusals.WithLabels("other").Inc(notKept);
        if ((e.Name ?? e.SandboxId) is not { } label) return;
        Track(label);
        if (e.Io is { } io)
        {
            var ended = _endedIo.GetValueOrDefault(label);
            ended = (ended.Read + io.BytesRead, ended.Written + io.BytesWritten, Math.Max(ended.Run, e.Run ?? 0));
            _endedIo[label] = ended;
            _sandboxRead.WithLabels(label).IncTo(ended.Read);
            _sandboxWritten.WithLabels(label).IncTo(ended.Written);
        }
        _sandboxCpu.WithLabels(label).Inc((e.CpuMs ?? 0) / 1000);
        if (e.FuelConsumed is { } fuel) _sandboxFuel.WithLabels(label).Inc(fuel);
        else _sandboxFuel.WithLabels(label);
        _sandboxMemory.WithLabels(label).Set(e.PeakMemoryBytes ?? 0);
    }

    /// <summary>
    /// Makes <paramref name="label"/> the most recently updated sandbox with series, evicting the one updated longest ago
    /// (all its series) when the cap is reached. Under <see cref="_gate"/>.
    /// </summary>
    private void Track(string label)
    {
        if (_sandboxNodes.TryGetValue(label, out var node)) _sandboxOrder.Remove(node);
        else
        {
            while (_sandboxNodes.Count >= _maxSandboxSeries && _sandboxOrder.First is { } oldest)
            {
                _sandboxOrder.RemoveFirst();
                _sandboxNodes.Remove(oldest.Value);
                _endedIo.Remove(oldest.Value);
                _sandboxCpu.RemoveLabelled(oldest.Value);
                _sandboxFuel.RemoveLabelled(oldest.Value);
                _sandboxMemory.RemoveLabelled(oldest.Value);
                _sandboxRead.RemoveLabelled(oldest.Value);
                _sandboxWritten.RemoveLabelled(oldest.Value);
                _evicted.Inc();
            }
            node = new LinkedListNode<string>(label);
            _sandboxNodes[label] = node;
        }
        _sandboxOrder.AddLast(node);
    }
}
