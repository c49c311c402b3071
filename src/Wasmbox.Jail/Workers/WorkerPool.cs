namespace Wasmbox.Jail.Workers;

/// <summary>
/// Jailed workers started ahead of time for one <see cref="WorkerPoolKey"/>, so that a sandbox that fits skips the
/// start-up (the launch script, bubblewrap and the worker's runtime: most of a jailed start). A sandbox that does not fit,
/// or finds the pool empty, starts its own worker as before. Used by <see cref="WorkerLauncher"/> when the job names it.
/// </summary>
/// <remarks>
/// <para>Overview. Constraints: a worker serves exactly one sandbox (it leaves the queue under a lock and never comes
/// back); its jail is the one a per-assignment worker would get for the job (<see cref="WorkerPoolKey"/>,
/// <see cref="Contain.PrepareBlank"/>); a host that cannot start workers must not make the pool spin; idle workers die
/// with this process and are killed, their cgroups removed, by <see cref="Dispose"/>.</para>
/// <para>Scheme: one refill thread keeps <see cref="Size"/> workers ready, with at most <see cref="MaxStarting"/>
/// starting at once; each start's hello is awaited on a thread of its own. A taken worker's replacement starts when its
/// sandbox ends, or <see cref="RefillDelay"/> after the take, whichever comes first. Why wait: a start costs the machine
/// tens of milliseconds of CPU, and started at once it would compete with the short sandbox that just took the worker
/// (measured on 2 cores: the pooled hello's spawn-to-exited doubled). A failed start waits 1 s before the next
/// try, doubling up to 60 s, and is told once through the notice; a start that succeeds resets the wait.</para>
/// <para>Why one long-lived thread spawns every worker: bubblewrap's <c>--die-with-parent</c> is PR_SET_PDEATHSIG, which
/// fires when the <i>thread</i> that forked the child ends, not the process. A worker spawned from a short-lived thread
/// would be killed when that thread ended. The refill thread lives as long as the pool, so the pool must outlive the
/// runs that took its workers (the daemon disposes it after its supervisor has stopped every sandbox).</para>
/// </remarks>
public sealed class WorkerPool : IDisposable
{
    /// <summary>Workers starting at once: a start is mostly CPU (two processes, bubblewrap), and the target machine has 2 cores.</summary>
    public const int MaxStarting = 2;

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1), LastRetry = TimeSpan.FromSeconds(60);

    /// <summary>How long after a take the replacement starts at the latest, if the sandbox has not ended by then.</summary>
    public static readonly TimeSpan RefillDelay = TimeSpan.FromMilliseconds(50);

    private readonly string _stagingRoot;
    private readonly Action<string> _notice;
    private readonly IReadOnlyList<string>? _workerArgs;
    private readonly Queue<BlankWorker> _ready = new();
    private readonly Lock _gate = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread? _refill;
    private int _starting;
    private int _failures;
    private long _retryAt;
    private long _refillAt;
    private long _taken, _missed;
    private bool _disposed;
    private static int _sequence;

    /// <param name="size">How many workers to keep ready; 0 makes a pool that never starts one.</param>
    /// <param name="key">The jobs the workers are for.</param>
    /// <param name="stagingRoot">Where each worker's private module folder is made (a folder of this process's own;
    /// leftovers of a killed process are removed here).</param>
    /// <param name="notice">Told, in one line, when a worker cannot be started (and when the pool will try again).</param>
    public WorkerPool(int size, WorkerPoolKey key, string stagingRoot, Action<string>? notice = null)
        : this(size, key, stagingRoot, notice, workerArgs: null)
    {
    }

    /// <param name="workerArgs">The workers' arguments instead of the key's engine: the tests start self-checks.</param>
    internal WorkerPool(int size, WorkerPoolKey key, string stagingRoot, Action<string>? notice, IReadOnlyList<string>? workerArgs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        Size = size;
        Key = key;
        _stagingRoot = Path.GetFullPath(stagingRoot);
        _notice = notice ?? (_ => { });
        _workerArgs = workerArgs;
        ModuleFolder.RemoveStale(_stagingRoot);
        if (size == 0) return;
        _refill = new Thread(Refill) { IsBackground = true, Name = "wasmbox-pool-refill" };
        _refill.Start();
    }

    public int Size { get; }

    public WorkerPoolKey Key { get; }

    /// <summary>Workers ready to be taken now.</summary>
    public int Ready
    {
        get { lock (_gate) return _ready.Count; }
    }

    /// <summary>Sandboxes that took a pooled worker.</summary>
    public long Taken => Interlocked.Read(ref _taken);

    /// <summary>Sandboxes that fitted but found the pool empty, and started their own worker.</summary>
    public long Missed => Interlocked.Read(ref _missed);

    /// <summary>Waits until at least <paramref name="count"/> workers are ready; false when <paramref name="limit"/> passed first.</summary>
    public async Task<bool> WaitForReadyAsync(int count, TimeSpan limit, CancellationToken cancel = default)
    {
        var until = DateTime.UtcNow + limit;
        while (Ready < count)
        {
            if (DateTime.UtcNow >= until) return false;
            await Task.Delay(10, cancel).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Taken workers that died before their sandbox ran (their sandboxes started workers of their own).</summary>
    public long DiedBeforeUse => Interlocked.Read(ref _diedBeforeUse);

    private long _diedBeforeUse;

    internal void DiedBeforeAssignment()
    {
        Interlocked.Increment(ref _diedBeforeUse);
        _notice("a pooled worker died before its sandbox ran; that sandbox starts a worker of its own");
    }

    /// <summary>Test-only: called with a taken worker's process after its jail is completed, before its assignment.</summary>
    internal Action<System.Diagnostics.Process>? BeforeAssign { get; set; }

    /// <summary>Called when a job that fits found no ready worker (it then starts its own): the daemon's <c>pool_empty</c> event.</summary>
    public Action? Missing { get; set; }

    /// <summary>A ready worker for <paramref name="job"/>, now its caller's alone; null when the job does not fit or none is ready.</summary>
    internal BlankWorker? TryTake(WorkerJob job, WorkerIo io)
    {
        if (WorkerPoolKey.Of(job, io) != Key) return null;
        List<BlankWorker>? dead = null;
        BlankWorker? taken = null;
        lock (_gate)
        {
            // Why check: a worker can die while it waits (an OOM kill of the host, an operator's kill).
            while (!_disposed && _ready.TryDequeue(out var next))
            {
                if (next.HasExited) (dead ??= []).Add(next);
                else { taken = next; break; }
            }
        }
        if (taken is null)
        {
            Interlocked.Increment(ref _missed);
            Missing?.Invoke();
        }
        else
        {
            Interlocked.Increment(ref _taken);
            lock (_gate) _refillAt = Environment.TickCount64 + (long)RefillDelay.TotalMilliseconds;
            taken.Released = SandboxEnded;
        }
        Wake();
        foreach (var d in dead ?? []) d.Dispose();
        return taken;
    }

    /// <summary>Kills the idle workers and removes their cgroups and folders; workers already taken are their runs'.</summary>
    public void Dispose()
    {
        List<BlankWorker> idle;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            idle = [.. _ready];
            _ready.Clear();
        }
        _wake.Set();
        foreach (var worker in idle) worker.Dispose();
        _refill?.Join();
        // Starts in flight end by themselves (their hello thread sees the worker die with the refill thread, or come up
        // after _disposed) and dispose their worker; wait for them, boundedly, so no cgroup outlives the pool.
        var until = Environment.TickCount64 + (long)WorkerLauncher.StartupLimit.TotalMilliseconds;
        while (Volatile.Read(ref _starting) > 0 && Environment.TickCount64 < until) Thread.Sleep(5);
        _wake.Dispose();
    }

    /// <summary>A taken worker's sandbox ended: its replacement may start now.</summary>
    private void SandboxEnded()
    {
        lock (_gate) _refillAt = 0;
        Wake();
    }

    private void Wake()
    {
        try { _wake.Set(); }
        catch (ObjectDisposedException) { }
    }

    private void Refill()
    {
        while (true)
        {
            int wait;
            lock (_gate)
            {
                if (_disposed) return;
                var now = Environment.TickCount64;
                var missing = _ready.Count + _starting < Size && _starting < MaxStarting;
                if (now < _retryAt) wait = (int)(_retryAt - now);
                else if (missing && now < _refillAt) wait = (int)(_refillAt - now);
                else if (missing) { _starting++; wait = 0; }
                else wait = Timeout.Infinite;
            }
            if (wait != 0)
            {
                _wake.WaitOne(wait);
                continue;
            }
            StartOne();
        }
    }

    /// <summary>Spawns one worker on the refill thread (see the remarks on PDEATHSIG) and awaits its hello on another.</summary>
    private void StartOne()
    {
        var name = $"{Environment.ProcessId}-pool-{Interlocked.Increment(ref _sequence)}";
        BlankWorker blank;
        try { blank = BlankWorker.Start(Key, _stagingRoot, name, _workerArgs); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Finished(null, e is JailSetupException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            return;
        }
        if (_workerArgs is not null)
        {
            // A test's self-check worker says no hello: it is ready as soon as it runs.
            Finished(blank, null);
            return;
        }
        new Thread(() => Finished(blank, blank.AwaitHello(WorkerLauncher.StartupLimit))) { IsBackground = true, Name = "wasmbox-pool-hello" }.Start();
    }

    private void Finished(BlankWorker? blank, string? error)
    {
        var keep = false;
        TimeSpan retry = default;
        lock (_gate)
        {
            _starting--;
            if (error is null && !_disposed)
            {
                _ready.Enqueue(blank!);
                _failures = 0;
                keep = true;
            }
            else if (error is not null)
            {
                _failures++;
                retry = TimeSpan.FromTicks(Math.Min(LastRetry.Ticks, FirstRetry.Ticks << Math.Min(_failures - 1, 16)));
                _retryAt = Environment.TickCount64 + (long)retry.TotalMilliseconds;
            }
        }
        if (!keep) blank?.Dispose();
        if (error is not null && !Volatile.Read(ref _disposed))
            _notice($"the worker pool cannot start a worker ({error}); it tries again in {Core.Units.DurationText.Format(retry)}, and sandboxes start their own meanwhile");
        Wake();
    }
}
