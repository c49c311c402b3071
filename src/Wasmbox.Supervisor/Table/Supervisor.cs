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
        Events = new EventHub(options.Time);
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

    /// <summary>How many records this open found live and marked lost.</summary>
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
            var wasLive = state.List().Where(r => !r.State.IsFinal()).ToList();
            var lost = state.MarkLiveAsLost(options.Time.GetUtcNow(), LostMessage);
            var supervisor = new Supervisor(dataDir, starter, options, dataDirLock, state, lost);
            supervisor.Events.PublishAll(wasLive.Select(r => SandboxEvent.Lost(r, LostMessage)));
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
            request.Args.ToList(), policy, SandboxState.Created, _time.GetUtcNow(), null, null, null, null, null, null);
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
            live = new Live(id, request.ModuleSha256, sink);
            _live.Add(id, live);
        }
        Events.Publish(SandboxEvent.Created(record));

        IStartedSandbox handle;
        try
        {
            handle = _starter.Start(new SandboxStartRequest(id, modulePath, request.ModuleSha256, argv0, record.Args, policy,
                live.Sink.Stdout, live.Sink.Stderr, request.Stdin));
        }
        catch (Exception e)
        {
            Finish(live, new RunResult(RunOutcome.SetupFailed(SetupStage.Isolation, $"could not start the sandbox: {e.Message}"), ResourceUsage.Zero, request.ModuleSha256));
            return Get(id);
        }

        bool killNow;
        lock (_gate)
        {
            live.Handle = handle;
            killNow = live.KillRequested;
        }
        State.MarkRunning(id, _time.GetUtcNow(), handle.WorkerInfo);
        Events.Publish(SandboxEvent.Started(record));
        if (killNow) handle.Kill();
        live.Observer = ObserveAsync(live, handle);
        return Get(id);
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
        IStartedSandbox? handle;
        lock (_gate)
        {
            if (!_live.TryGetValue(record.Id, out var live))
                throw new SupervisorException(SupervisorError.SandboxNotRunning, $"sandbox {record.Id} is not running (it is {Get(record.Id).State.Name()})");
            live.KillRequested = true;
            handle = live.Handle;
        }
        handle?.Kill();
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
        IStartedSandbox? handle = null;
        lock (_gate)
        {
            if (_live.TryGetValue(record.Id, out var live))
            {
                if (!force)
                    throw new SupervisorException(SupervisorError.SandboxRunning, $"sandbox {record.Id} is running; kill it first or remove it with force");
                live.KillRequested = true;
                handle = live.Handle;
                done = live.Done.Task;
            }
        }
        if (done is not null)
        {
            handle?.Kill();
            await done.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        State.Delete(record.Id);
    }

    /// <summary>Graceful shutdown: kills every live sandbox, waits up to <see cref="SupervisorOptions.ShutdownGrace"/> for their ends to be recorded, closes the store and releases the data dir.</summary>
    public async ValueTask DisposeAsync()
    {
        List<Live> live;
        lock (_gate)
        {
            if (_closing) return;
            _closing = true;
            live = [.. _live.Values];
            foreach (var l in live) l.KillRequested = true;
        }
        foreach (var l in live) l.Handle?.Kill();
        try
        {
            await Task.WhenAll(live.Select(l => l.Done.Task)).WaitAsync(Options.ShutdownGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Left as they are: still live in the database, so the next daemon marks them lost.
        }
        Events.Complete();
        Logs.AbandonAll();
        State.Dispose();
        _lock.Dispose();
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

    private void Finish(Live live, RunResult result)
    {
        try
        {
            live.Sink.Complete();
            var state = SandboxStates.FromOutcome(result.Outcome.Kind);
            State.MarkFinished(live.Id, state, _time.GetUtcNow(), RunReport.From(result), result.Outcome.ExitStatus, result.Outcome.Message);
            var name = State.Get(live.Id)?.Name;
            Events.PublishAll([.. SandboxEvent.LimitsHitBy(live.Id, name, result), SandboxEvent.Ended(live.Id, name, result)]);
        }
        catch (ObjectDisposedException)
        {
            // The store closed under us (a crash in tests, or a shutdown past its grace): the next daemon marks it lost.
        }
        finally
        {
            lock (_gate) _live.Remove(live.Id);
            live.Done.TrySetResult();
        }
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

    /// <summary>One live sandbox's in-memory state; fields other than the readonly ones change only under <c>_gate</c>.</summary>
    private sealed class Live(string id, string moduleSha256, LogSink sink)
    {
        public string Id { get; } = id;
        public string ModuleSha256 { get; } = moduleSha256;
        public LogSink Sink { get; } = sink;
        public IStartedSandbox? Handle { get; set; }
        public bool KillRequested { get; set; }
        public Task? Observer { get; set; }
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
