using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;

namespace Wasmbox.Launch;

/// <summary>A started sandbox: wait for it, or kill it. Every ending, failures to start included, is a <see cref="RunResult"/>.</summary>
/// <remarks>
/// The sandbox runs on a thread of its own (a guest blocks the thread it runs on). <see cref="Kill"/> in a worker tier
/// kills the worker's cgroup (or process) and the outcome is <see cref="OutcomeKind.Killed"/>. In tier <c>none</c> the
/// guest runs in this process and wasm code cannot be stopped from another thread: a kill there ends only host calls
/// that wait, and the guest stops at its next deadline check if it has <c>--timeout</c> or <c>--cpu-time</c>. Use a
/// worker tier for sandboxes that must be killable.
/// </remarks>
public sealed class SandboxHandle : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<RunResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal SandboxHandle(IsolationTier tier) => Tier = tier;

    /// <summary>The tier asked for or chosen at the start (a fallback from the jail shows in the notice, not here).</summary>
    public IsolationTier Tier { get; }

    /// <summary>Completes with the result when the sandbox has ended and everything it used is released.</summary>
    public Task<RunResult> Completion => _done.Task;

    /// <summary>Blocks until the sandbox has ended.</summary>
    public RunResult Wait() => _done.Task.GetAwaiter().GetResult();

    /// <summary>Stops the sandbox (see the remarks for tier none). Safe to call at any time, more than once.</summary>
    public void Kill()
    {
        try { _stop.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    internal CancellationToken StopToken => _stop.Token;

    private volatile Jail.Workers.LiveWorker? _worker;

    /// <summary>
    /// The sandbox's use now (CPU, memory against its cap, processes, uptime), read from its worker's cgroup or
    /// <c>/proc</c> entry; null before its worker runs, after it ended, and in tier none (no process of its own).
    /// </summary>
    public LiveUsage? Sample() => _worker?.Sample();

    /// <summary>
    /// Asks the worker for the guest's own counters (linear memory, fuel, bytes read and written, descriptors, refusals)
    /// and waits for its answer at most <paramref name="wait"/>; the next <see cref="Sample"/> carries them in
    /// <see cref="LiveUsage.Guest"/>. Returns at once in tier none, and before or after the worker runs.
    /// </summary>
    public Task RefreshAsync(TimeSpan wait, CancellationToken cancel = default) =>
        _worker?.RefreshAsync(wait, cancel) ?? Task.CompletedTask;

    internal void Attach(Jail.Workers.LiveWorker worker) => _worker = worker;

    internal void Finish(RunResult result) => _done.TrySetResult(result);

    public void Dispose()
    {
        if (_done.Task.IsCompleted) _stop.Dispose();
    }
}
