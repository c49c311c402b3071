using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Supervisor.Events;
using Wasmbox.Supervisor.Logs;
using Wasmbox.Supervisor.Modules;
using Wasmbox.Supervisor.State;

namespace Wasmbox.Supervisor.Table;

/// <summary>
/// The daemon's process table: creates sandboxes through an <see cref="ISandboxStarter"/>, records every change of state
/// in the <see cref="StateStore"/>, captures their output in the <see cref="LogStore"/>, and answers list, get, kill,
/// wait and remove.
/// </summary>
/// <remarks>
/// <para>Concurrency: <c>_gate</c> guards the in-memory table of live sandboxes (their handles, kill requests and "done"
/// signals); the store serialises its own access. The store is never called back into the supervisor, so holding
/// <c>_gate</c> while calling the store cannot deadlock. Starting a sandbox and killing it happen outside <c>_gate</c>.</para>
/// <para>Durability: a record is committed as <c>created</c> before the starter is called and before <see cref="Create"/>
/// returns, and every later change is committed when it happens. A daemon that dies leaves live records behind; the
/// next <see cref="OpenAsync"/> marks them <c>lost</c>, since their workers died with it (they run with die-with-parent).</para>
/// </remarks>
public sealed partial class Supervisor : IAsyncDisposable
{
    /// <summary>The message of a record that was live when a previous daemon stopped.</summary>
    public const string LostMessage = "its worker died with a previous daemon, which stopped without recording how the sandbox ended";

    private readonly ISandboxStarter _starter;
    private readonly DataDirLock _lock;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Live> _live = [];
    private readonly TimeProvider _time;
    private bool _closing;

    private Supervisor(string dataDir, ISandboxStarter starter, SupervisorOptions options, DataDirLock dataDirLock, StateStore state, int lost)
    {
        DataDir = dataDir;
        _starter = starter;
        Options = options;
        _lock = dataDirLock;
        State = state;
        _time = options.Time;
        Logs = new LogStore(state, options.Logs, options.Time);
        Modules = new ModuleStore(dataDir, options.MaxModuleBytes);
        LostAtOpen = lost;
        Events = new EventHub(options.Time, firstSeq: EventHub.SeqBase(state.RecordDaemonStart(options.Time.GetUtcNow())));
    }

    public string DataDir { get; }

    public SupervisorOptions Options { get; }

    public StateStore State { get; }

    public LogStore Logs { get; }

    public ModuleStore Modules { get; }

    /// <summary>Every change of a sandbox's life, numbered, for <c>/v1/events</c> and the metrics (<see cref="EventHub"/>).</summary>
    public EventHub Events { get; }

    /// <summary>Numbers other parts of the daemon set for the metrics (pool size).</summary>
    public SupervisorGauges Gauges { get; } = new();

    /// <summary>How many records this open found live and marked lost (some may have been resumed since, by their restart policy).</summary>
    public int LostAtOpen { get; }

    /// <summary>
    /// Takes the data dir (refusing a second daemon on it), opens the state database, and marks every record a previous
    /// daemon left created or running as <c>lost</c>.
    /// </summary>
    /// <exception cref="DataDirLockedException">Another daemon holds the data dir.</exception>
    /// <exception cref="StateStoreException">The database cannot be used (e.g. a newer schema).</exception>
    public static Task<Supervisor> OpenAsync(string dataDir, ISandboxStarter starter, SupervisorOptions? options = null)
    {
        options ??= new SupervisorOptions();
        var dataDirLock = DataDirLock.Acquire(dataDir);
        StateStore? state = null;
        try
        {
            state = StateStore.Open(Path.Combine(dataDir, "state.db"));
            var lost = state.MarkLiveAsLost(options.Time.GetUtcNow(), LostMessage);
            var supervisor = new Supervisor(dataDir, starter, options, dataDirLock, state, lost.Count);
            supervisor.Events.PublishAll(lost.Select(state.Get).OfType<SandboxRecord>().Select(r => SandboxEvent.Lost(r, LostMessage)));
            supervisor.ResumeRestartable();
            return Task.FromResult(supervisor);
        }
        catch
        {
            state?.Dispose();
            dataDirLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts the next run of every sandbox a previous daemon left lost, or stopped at its shutdown, whose restart policy
    /// asks for one (an <c>on-failure:N</c> that used its N restarts stays as it is). The stdin of such a run is empty: the
    /// bytes a spawn sent are never stored.
    /// </summary>
    private void ResumeRestartable()
    {
        foreach (var id in State.Resumable())
        {
            if (State.Get(id) is not { } record) continue;
            if (!record.Restart.Restarts(SandboxState.Lost, null, killedThroughSupervisor: false, record.Run - 1)) continue;
            Live live;
            lock (_gate)
            {
                if (_live.Count >= Options.MaxLiveSandboxes) return;
                var sink = Logs.OpenSink(id);
                live = new Live(id, record.ModuleSha256, sink, new RunSpec(record.ModulePath, record.Argv0, record.Args, record.Policy, null), record.Restart)
                {
                    Name = record.Name,
                    Run = record.Run + 1,
                };
                sink.Run = live.Run;
                _live.Add(id, live);
            }
            StartRun(live, RunStart.Resume);
        }
    }

    /// <summary>
    /// Validates, records (committed), starts and returns the sandbox's record: <c>running</c>, <c>failed</c> when the
    /// starter refused it, or already final when it ended at once.
    /// </summary>
    /// <exception cref="SupervisorException">Bad request, unknown or corrupt module, name taken, ceiling exceeded, too many sandboxes.</exception>
    public SandboxRecord Create(CreateSandboxRequest request)
    {
        var modulePath = ValidateModule(request.ModuleSha256);
        var argv0 = request.Argv0 ?? Path.GetFileName(modulePath);
        Validate(request, argv0);
        var policy = CheckCeilings(request.Policy);

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var record = new SandboxRecord(id, request.Name, new Dictionary<string, string>(request.Labels), request.ModuleSha256, modulePath, argv0,
            request.Args.ToList(), policy, SandboxState.Created, _time.GetUtcNow(), null, null, null, null, null, null) { Restart = request.Restart };
        Live live;
        lock (_gate)
        {
            if (_closing) throw new ObjectDisposedException(nameof(Supervisor), "the supervisor is shutting down");
            if (_live.Count >= Options.MaxLiveSandboxes)
                throw new SupervisorException(SupervisorError.TooManySandboxes,
                    $"{_live.Count} sandboxes are live, the operator's limit; wait for one to end or kill one");
            // The sink opens before the record exists, so a follower that finds the record also finds the sink.
            var sink = Logs.OpenSink(id);
            if (!State.Insert(record))
            {
                sink.Complete();
                throw new SupervisorException(SupervisorError.NameTaken, $"the name '{request.Name}' is taken; pick another, or remove the sandbox that has it");
            }
            live = new Live(id, request.ModuleSha256, sink, new RunSpec(modulePath, argv0, record.Args, policy, request.Stdin), request.Restart)
            {
                Name = request.Name,
            };
            _live.Add(id, live);
        }
        Events.Publish(SandboxEvent.Created(record));
        StartRun(live, RunStart.First);
        return Get(id);
    }

    /// <summary>How a run begins: the sandbox's first, a restart after a backoff, or a resume at daemon start.</summary>
    private enum RunStart { First, Restart, Resume }

    /// <summary>Starts the live sandbox's current run (<see cref="Live.Run"/>) and records it; a refusal ends the run at once.</summary>
    private void StartRun(Live live, RunStart how)
    {
        var spec = live.Spec;
        IStartedSandbox handle;
        live.RunStartedAt = _time.GetUtcNow();
        int run;
        lock (_gate)
        {
            run = live.Run;
            live.RefusalsPublished = 0;
        }
        try
        {
            handle = _starter.Start(new SandboxStartRequest(live.Id, spec.ModulePath, live.ModuleSha256, spec.Argv0, spec.Args, spec.Policy,
                live.Sink.Stdout, live.Sink.Stderr, spec.Stdin)
            {
                Refused = refusal => PublishRefusal(live, run, refusal),
            });
        }
        catch (Exception e)
        {
            // A first run that never started goes created → failed; a later one needs its record back from backoff (or
            // lost) first, so that its end is recorded like any run's.
            if (how != RunStart.First) MarkStarted(live, how, null);
            Finish(live, new RunResult(RunOutcome.SetupFailed(SetupStage.Isolation, $"could not start the sandbox: {e.Message}"), ResourceUsage.Zero, live.ModuleSha256));
            return;
        }

        bool killNow;
        lock (_gate)
        {
            live.Handle = handle;
            killNow = live.KillRequested;
        }
        MarkStarted(live, how, handle.WorkerInfo);
        Events.Publish(SandboxEvent.Started(live.Id, live.Name));
        if (killNow) handle.Kill();
        live.Observer = ObserveAsync(live, handle);
    }

    private void MarkStarted(Live live, RunStart how, string? workerInfo)
    {
        var now = live.RunStartedAt;
        _ = how switch
        {
            RunStart.First => State.MarkRunning(live.Id, now, workerInfo),
            RunStart.Restart => State.MarkRestarted(live.Id, live.Run, now, workerInfo),
            RunStart.Resume => State.MarkResumed(live.Id, live.Run, now, workerInfo),
        };
    }

    /// <summary>Stores an uploaded module and returns its SHA-256, with the module store's refusals as <see cref="SupervisorException"/>.</summary>
    public string PutModule(Stream content, string? expectedSha256 = null)
    {
        try
        {
            return Modules.Put(content, expectedSha256);
        }
        catch (ModuleStoreException e)
        {
            throw new SupervisorException(e.Error == ModuleStoreError.TooLarge ? SupervisorError.ModuleTooLarge : SupervisorError.BadRequest, e.Message);
        }
    }

    /// <summary>Records, oldest first, filtered.</summary>
    public IReadOnlyList<SandboxRecord> List(SandboxFilter? filter = null)
    {
        IEnumerable<SandboxRecord> all = State.List();
        if (filter?.State is { } state) all = all.Where(r => r.State == state);
        if (filter?.Name is { } name) all = all.Where(r => r.Name == name);
        if (filter?.Label is { } label)
        {
            var eq = label.IndexOf('=');
            all = eq < 0
                ? all.Where(r => r.Labels.ContainsKey(label))
                : all.Where(r => r.Labels.TryGetValue(label[..eq], out var v) && v == label[(eq + 1)..]);
        }
        return all.ToList();
    }

    /// <summary>The record with this id, else with this name.</summary>
    /// <exception cref="SupervisorException"><see cref="SupervisorError.SandboxNotFound"/>.</exception>
    public SandboxRecord Get(string idOrName) =>
        State.Get(idOrName) ?? State.GetByName(idOrName)
        ?? throw new SupervisorException(SupervisorError.SandboxNotFound, $"no sandbox '{idOrName}'; list them with wasmbox ps -a");

    /// <summary>Asks a live sandbox to stop; returns at once (wait for the end with <see cref="WaitAsync"/>).</summary>
    /// <exception cref="SupervisorException">Unknown, or already stopped.</exception>
    public void Kill(string idOrName)
    {
        var record = Get(idOrName);
        Live? live;
        lock (_gate)
        {
            if (!_live.TryGetValue(record.Id, out live))
                throw new SupervisorException(SupervisorError.SandboxNotRunning, $"sandbox {record.Id} is not running (it is {Get(record.Id).State.Name()})");
        }
        RequestKill(live, "killed while waiting to restart");
    }

    /// <summary>
    /// Stops a live sandbox and its restarts: its running worker is killed (its run then ends as killed), or, between
    /// runs, the pending restart is cancelled and the sandbox ends as killed with <paramref name="backoffMessage"/>.
    /// </summary>
    private void RequestKill(Live live, string backoffMessage)
    {
        IStartedSandbox? handle;
        bool inBackoff;
        lock (_gate)
        {
            live.KillRequested = true;
            handle = live.Handle;
            inBackoff = live.Backoff is not null;
            live.Backoff?.Dispose();
            live.Backoff = null;
        }
        if (inBackoff) EndWithoutRun(live, SandboxState.Killed, backoffMessage);
        else handle?.Kill();
    }

    /// <summary>The sandbox's record and, while a run of it is running, a sample of that run's use (else null).</summary>
    public (SandboxRecord Record, LiveUsage? Usage) Sample(string idOrName)
    {
        var record = Get(idOrName);
        IStartedSandbox? handle;
        lock (_gate) handle = _live.TryGetValue(record.Id, out var live) ? live.Handle : null;
        return (record, handle?.Sample());
    }

    /// <summary>
    /// A sample of every run running now, with its sandbox's label (its name, else its id) and the run's number, from
    /// memory: unlike <see cref="Sample"/>, no read of the state database per sandbox (a metrics scrape asks this of
    /// every sandbox at once). The run number and the handle are read together, so a sample is always of that run.
    /// </summary>
    public IReadOnlyList<(string Label, int Run, LiveUsage Usage)> SampleRunning()
    {
        List<(string Label, int Run, IStartedSandbox Handle)> running;
        lock (_gate) running = [.. _live.Values.Where(l => l.Handle is not null).Select(l => (l.Name ?? l.Id, l.Run, l.Handle!))];
        var samples = new List<(string, int, LiveUsage)>(running.Count);
        foreach (var (label, run, handle) in running)
        {
            if (handle.Sample() is { } usage) samples.Add((label, run, usage));
        }
        return samples;
    }

    /// <summary>
    /// Asks the running sandboxes among <paramref name="ids"/> (every running one when null) for their guests' own
    /// counters, all at once, and waits at most <paramref name="wait"/> for the answers; later samples carry them.
    /// </summary>
    public Task RefreshAsync(IReadOnlyCollection<string>? ids, TimeSpan wait, CancellationToken cancel = default)
    {
        List<IStartedSandbox> handles;
        lock (_gate)
        {
            handles = _live.Where(p => ids is null || ids.Contains(p.Key) || (p.Value.Name is { } n && ids.Contains(n)))
                .Select(p => p.Value.Handle).OfType<IStartedSandbox>().ToList();
        }
        return Task.WhenAll(handles.Select(h => h.RefreshAsync(wait, cancel)));
    }

    /// <summary>Waits until the sandbox is final and returns its final record; at once for one already final.</summary>
    public async Task<SandboxRecord> WaitAsync(string idOrName, CancellationToken cancellationToken = default)
    {
        var record = Get(idOrName);
        Task? done;
        lock (_gate)
        {
            done = _live.TryGetValue(record.Id, out var live) ? live.Done.Task : null;
        }
        if (done is not null) await done.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Get(record.Id);
    }

    /// <summary>Deletes a final sandbox's record and logs. A live one is refused unless <paramref name="force"/>: then it is killed first.</summary>
    public async Task RemoveAsync(string idOrName, bool force, CancellationToken cancellationToken = default)
    {
        var record = Get(idOrName);
        Task? done = null;
        Live? live;
        lock (_gate)
        {
            if (_live.TryGetValue(record.Id, out live))
            {
                if (!force)
                    throw new SupervisorException(SupervisorError.SandboxRunning, $"sandbox {record.Id} is running; kill it first or remove it with force");
                done = live.Done.Task;
            }
        }
        if (live is not null && done is not null)
        {
            RequestKill(live, "removed while waiting to restart");
            await done.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        State.Delete(record.Id);
    }

    /// <summary>
    /// Graceful shutdown: admits no new sandbox and starts no restart; lets running sandboxes finish for up to
    /// <see cref="SupervisorOptions.ShutdownGrace"/>, then kills the rest and waits up to <see cref="KillRecordGrace"/>
    /// for their ends to be recorded; closes the store and releases the data dir. A sandbox with a restart policy that
    /// the shutdown stopped (or that waited for a restart) resumes at the next daemon start.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        List<Live> live;
        lock (_gate)
        {
            if (_closing) return;
            _closing = true;
            live = [.. _live.Values];
        }
        // Between runs: nothing to wait for; the record ends as killed and is resumed by the next daemon.
        foreach (var l in live)
        {
            bool inBackoff;
            lock (_gate) inBackoff = l.Backoff is not null;
            if (inBackoff) StopForShutdown(l);
        }
        var ended = Task.WhenAll(live.Select(l => l.Done.Task));
        if (await Finishes(ended, Options.ShutdownGrace).ConfigureAwait(false) is false)
        {
            foreach (var l in live) StopForShutdown(l);
            // Left as they are if even this passes: still live in the database, so the next daemon marks them lost.
            await Finishes(ended, KillRecordGrace).ConfigureAwait(false);
        }
        Events.Complete();
        Logs.AbandonAll();
        State.Dispose();
        _lock.Dispose();
    }

    /// <summary>How long a shutdown waits, after its kills, for the killed sandboxes' ends to be recorded.</summary>
    public static readonly TimeSpan KillRecordGrace = TimeSpan.FromSeconds(5);

    /// <summary>The message of a sandbox that a daemon shutdown stopped.</summary>
    public const string ShutdownMessage = "stopped because the daemon shut down";

    /// <summary>Stops a sandbox for the shutdown: as a kill, but its restart policy resumes it at the next daemon start.</summary>
    private void StopForShutdown(Live live)
    {
        lock (_gate) live.StoppedByShutdown = true;
        RequestKill(live, ShutdownMessage);
    }

    private static async Task<bool> Finishes(Task task, TimeSpan within)
    {
        try
        {
            await task.WaitAsync(within).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException) { return false; }
    }

    /// <summary>Drops everything as a killed daemon would: no kills, no final states, unflushed logs lost. Tests only.</summary>
    internal void Crash()
    {
        lock (_gate) _closing = true;
        Events.Complete();
        Logs.AbandonAll();
        State.Dispose();
        _lock.Dispose();
    }

    private async Task ObserveAsync(Live live, IStartedSandbox handle)
    {
        RunResult result;
        try
        {
            result = await handle.Completion.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            result = new RunResult(RunOutcome.SetupFailed(SetupStage.Isolation, $"the sandbox broke down: {e.Message}"), ResourceUsage.Zero, live.ModuleSha256);
        }
        Finish(live, result);
    }

    /// <summary>
    /// Records how the live sandbox's current run ended, and either schedules its next run (its restart policy says so,
    /// and nobody asked it to stop: state backoff) or ends the sandbox.
    /// </summary>
    private void Finish(Live live, RunResult result)
    {
        var state = SandboxStates.FromOutcome(result.Outcome.Kind);
        var now = _time.GetUtcNow();
        TimeSpan? delay = null;
        bool resume;
        lock (_gate)
        {
            live.Handle = null;
            if (live.StoppedByShutdown && state == SandboxState.Killed) result = result with { Outcome = result.Outcome with { Message = ShutdownMessage } };
            var wouldRestart = live.Restart.Restarts(state, result.Outcome.ExitStatus, killedThroughSupervisor: live.KillRequested && !live.StoppedByShutdown, live.Run - 1);
            resume = wouldRestart && (_closing || live.StoppedByShutdown);
            if (wouldRestart && !resume)
            {
                // A run as long as HealthyRun was healthy: the backoff starts again from its first step.
                live.QuickEnds = now - live.RunStartedAt >= RestartPolicy.HealthyRun ? 1 : live.QuickEnds + 1;
                delay = RestartPolicy.Backoff(live.QuickEnds);
            }
        }
        try
        {
            if (delay is { } wait)
            {
                live.Sink.Flush();
                State.MarkFinished(live.Id, state, now, RunReport.From(result), result.Outcome.ExitStatus, result.Outcome.Message, now + wait, result.Refusals);
                PublishEnd(live, result);
                Events.Publish(SandboxEvent.Restarted(live.Id, live.Name, $"{live.Restart}: run {live.Run} ended {state.Name()}", wait, live.Run));
                lock (_gate)
                {
                    // A kill that came while this run ended finds no handle and no backoff: it is honoured here.
                    if (!live.KillRequested && !_closing)
                    {
                        live.Backoff = _time.CreateTimer(_ => RestartAfterBackoff(live), null, wait, Timeout.InfiniteTimeSpan);
                        return;
                    }
                }
                EndWithoutRun(live, SandboxState.Killed, live.StoppedByShutdown || _closing ? ShutdownMessage : "killed while waiting to restart");
                return;
            }
            live.Sink.Complete();
            State.MarkFinished(live.Id, state, now, RunReport.From(result), result.Outcome.ExitStatus, result.Outcome.Message, refusals: result.Refusals);
            if (resume) State.MarkForResume(live.Id);
            PublishEnd(live, result);
        }
        catch (ObjectDisposedException)
        {
            // The store closed under us (a crash in tests, or a shutdown past its grace): the next daemon marks it lost.
        }
        Ended(live);
    }

    /// <summary>The backoff is over: the next run starts, unless the sandbox was stopped meanwhile.</summary>
    private void RestartAfterBackoff(Live live)
    {
        bool stop;
        lock (_gate)
        {
            if (live.Backoff is null) return; // a kill took it first
            live.Backoff.Dispose();
            live.Backoff = null;
            stop = live.KillRequested || _closing;
            if (!stop)
            {
                live.Run++;
                live.Sink.Run = live.Run;
            }
        }
        if (stop)
        {
            EndWithoutRun(live, SandboxState.Killed, _closing ? ShutdownMessage : "killed while waiting to restart");
            return;
        }
        try { StartRun(live, RunStart.Restart); }
        catch (ObjectDisposedException) { Ended(live); }
    }

    /// <summary>A sandbox between runs ends without another one: its record (in backoff) becomes final.</summary>
    private void EndWithoutRun(Live live, SandboxState state, string message)
    {
        try
        {
            live.Sink.Complete();
            State.MarkBackoffEnded(live.Id, state, _time.GetUtcNow(), message);
            Events.Publish(SandboxEvent.EndedWithoutRun(live.Id, live.Name, state, message));
            if (live.StoppedByShutdown || _closing) State.MarkForResume(live.Id);
        }
        catch (ObjectDisposedException) { }
        Ended(live);
    }

    /// <summary>
    /// A run's end as events: one limit_hit per limit, one refused per kept refusal not already published while the run
    /// ran (<see cref="PublishRefusal"/>), then exited or killed.
    /// </summary>
    private void PublishEnd(Live live, RunResult result)
    {
        int told;
        lock (_gate) told = live.RefusalsPublished;
        Events.PublishAll([.. SandboxEvent.LimitsHitBy(live.Id, live.Name, result), .. SandboxEvent.RefusedBy(live.Id, live.Name, result).Skip(told),
            SandboxEvent.Ended(live.Id, live.Name, result) with { Run = live.Run }]);
    }

    /// <summary>A refusal of run <paramref name="run"/>, told by its starter as it happened: published at once as a <c>refused</c> event.</summary>
    private void PublishRefusal(Live live, int run, Refusal refusal)
    {
        lock (_gate)
        {
            // Why: the kept refusals are told in order, before the run's result; one told after it (or of another run) is left to the end.
            if (live.Run != run || live.RefusalsPublished >= RefusalAudit.MaxKept) return;
            live.RefusalsPublished++;
        }
        Events.Publish(SandboxEvent.Refused(live.Id, live.Name, refusal));
    }

    private void Ended(Live live)
    {
        lock (_gate)
        {
            live.Backoff?.Dispose();
            live.Backoff = null;
            _live.Remove(live.Id);
        }
        live.Done.TrySetResult();
    }

    private string ValidateModule(string sha)
    {
        if (!ModuleStore.IsSha256(sha))
            throw new SupervisorException(SupervisorError.BadRequest, $"'{sha}' is not a module SHA-256; write 64 lowercase hex digits");
        var path = Modules.PathOf(sha)
                   ?? throw new SupervisorException(SupervisorError.ModuleNotFound, $"no module {sha} in the store; upload it first");
        if (!Modules.Verify(sha))
            throw new SupervisorException(SupervisorError.ModuleCorrupt, $"the stored module {sha} no longer matches its hash and was deleted; upload it again");
        return path;
    }

    private static void Validate(CreateSandboxRequest request, string argv0)
    {
        if (request.Name is { } name && (!NamePattern().IsMatch(name) || IdPattern().IsMatch(name)))
            throw new SupervisorException(SupervisorError.BadRequest,
                $"name '{name}': use 1–63 letters, digits, '_', '.' or '-', starting with a letter or digit, and not 16 hex digits (an id's shape)");
        if (request.Labels.Count > 64)
            throw new SupervisorException(SupervisorError.BadRequest, $"{request.Labels.Count} labels: at most 64");
        foreach (var (key, value) in request.Labels)
        {
            if (!LabelKeyPattern().IsMatch(key))
                throw new SupervisorException(SupervisorError.BadRequest, $"label key '{key}': use 1–63 letters, digits, '_', '.', '/' or '-'");
            if (value.Length > 256 || value.Contains('\0'))
                throw new SupervisorException(SupervisorError.BadRequest, $"label '{key}': the value must be at most 256 characters, without NUL");
        }
        if (argv0.Length == 0 || argv0.Contains('\0') || request.Args.Any(a => a.Contains('\0')))
            throw new SupervisorException(SupervisorError.BadRequest, "argv0 must not be empty, and no argument may contain a NUL byte");
        if (request.Policy.Stdin is StdinSource.Inherit)
            throw new SupervisorException(SupervisorError.BadRequest, "stdin inherit: a spawned sandbox has no caller's stdin to inherit; send the bytes with the request, or use none");
    }

    private SandboxPolicy CheckCeilings(SandboxPolicy policy) =>
        Options.Ceilings.Check(policy, out var resolved) is { } violation
            ? throw new SupervisorException(SupervisorError.CeilingExceeded, violation.Message)
            : resolved;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$")]
    private static partial Regex LabelKeyPattern();

    /// <summary>What every run of a sandbox starts with (the stdin is kept in memory for restarts, never stored).</summary>
    private sealed record RunSpec(string ModulePath, string Argv0, IReadOnlyList<string> Args, SandboxPolicy Policy, byte[]? Stdin);

    /// <summary>One live sandbox's in-memory state; fields other than the readonly ones change only under <c>_gate</c>.</summary>
    private sealed class Live(string id, string moduleSha256, LogSink sink, RunSpec spec, RestartPolicy restart)
    {
        public string Id { get; } = id;
        public string ModuleSha256 { get; } = moduleSha256;
        public LogSink Sink { get; } = sink;
        public RunSpec Spec { get; } = spec;
        public RestartPolicy Restart { get; } = restart;
        /// <summary>The record's name (names never change), kept here so events need no read of the record.</summary>
        public string? Name { get; init; }
        public IStartedSandbox? Handle { get; set; }
        public bool KillRequested { get; set; }
        /// <summary>Stopped by the daemon's shutdown, not by a user: its restart policy resumes it at the next start.</summary>
        public bool StoppedByShutdown { get; set; }
        public Task? Observer { get; set; }
        /// <summary>The current run's number (1, then one more per restart).</summary>
        public int Run { get; set; } = 1;
        /// <summary>The current run's refusals already published as they happened (the first ones its audit kept).</summary>
        public int RefusalsPublished { get; set; }
        public DateTimeOffset RunStartedAt { get; set; }
        /// <summary>Runs in a row that ended before <see cref="RestartPolicy.HealthyRun"/>: the backoff's step.</summary>
        public int QuickEnds { get; set; }
        /// <summary>The pending restart while the sandbox is in backoff; null otherwise.</summary>
        public ITimer? Backoff { get; set; }
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
