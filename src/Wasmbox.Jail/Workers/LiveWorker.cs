using System.Diagnostics;
using Wasmbox.Core.Outcomes;
using Wasmbox.Jail.Cgroups;

namespace Wasmbox.Jail.Workers;

/// <summary>
/// A running worker seen from its parent, for live samples of its use (<c>wasmbox stats</c>, metrics): the jail's cgroup
/// when there is one, else the worker's own <c>/proc</c> entry, plus the guest's own counters, which only the worker
/// knows and sends when asked (<see cref="RefreshAsync"/>). Samples nothing once the worker has exited.
/// </summary>
/// <remarks>Why ask rather than have the worker send counters on a schedule: a thousand idle sandboxes would wake the
/// daemon a thousand times per period for figures nobody reads; an answer costs a frame each way only when asked.</remarks>
public sealed class LiveWorker
{
    private readonly Process _process;
    private readonly WorkerCgroup? _cgroup;
    private readonly long? _memoryLimit;
    private readonly Stopwatch _since = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private TaskCompletionSource _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GuestCounters? _guest;
    private Action? _ask;
    private int _unanswered;
    private volatile bool _ended;

    internal LiveWorker(Process process, WorkerCgroup? cgroup, long? memoryLimit)
    {
        _process = process;
        _cgroup = cgroup;
        _memoryLimit = memoryLimit;
    }

    /// <summary>The worker's use now, with the guest's counters as last answered; null once it has ended (its cgroup may be gone).</summary>
    public LiveUsage? Sample()
    {
        if (_ended) return null;
        GuestCounters? guest;
        lock (_gate) guest = _guest;
        try
        {
            if (_cgroup is not null)
                return new LiveUsage(_since.Elapsed, _cgroup.CpuUsage() ?? TimeSpan.Zero, _cgroup.CurrentMemoryBytes() ?? Rss(), _memoryLimit, _cgroup.Pids().Count) { Guest = guest };
            _process.Refresh();
            return new LiveUsage(_since.Elapsed, _process.TotalProcessorTime, _process.WorkingSet64, _memoryLimit, null) { Guest = guest };
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or IOException or UnauthorizedAccessException
                                      or System.ComponentModel.Win32Exception)
        {
            return null; // it ended while we looked
        }
    }

    /// <summary>
    /// Asks the worker for the guest's counters and waits for the answer, at most <paramref name="wait"/>; the next
    /// <see cref="Sample"/> carries them. Returns at once when the worker cannot be asked (not yet assigned, or ended).
    /// </summary>
    public async Task RefreshAsync(TimeSpan wait, CancellationToken cancel = default)
    {
        Task answered;
        Action? ask;
        lock (_gate)
        {
            answered = _answer.Task;
            ask = _ask;
        }
        if (_ended || ask is null) return;
        Interlocked.Increment(ref _unanswered);
        try { ask(); }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return; // the worker is going; its result will say why
        }
        await Task.WhenAny(answered, Task.Delay(wait, cancel)).ConfigureAwait(false);
    }

    /// <summary>The worker has its assignment: from now on it may be asked (a question before it would break the protocol).</summary>
    internal void Assigned(Action ask)
    {
        lock (_gate) _ask = ask;
    }

    /// <summary>
    /// Takes one question off the worker's account for a <c>Usage</c> frame it sent; false when nothing was asked (a worker
    /// that sends figures unasked is broken or compromised, and would only make its parent parse JSON for nothing).
    /// </summary>
    internal bool TakeQuestion()
    {
        while (true)
        {
            var open = Volatile.Read(ref _unanswered);
            if (open == 0) return false;
            if (Interlocked.CompareExchange(ref _unanswered, open - 1, open) == open) return true;
        }
    }

    /// <summary>The worker's answer; null when it had no running guest to count (before the instance, after the run).</summary>
    internal void Answered(GuestCounters? counters)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (counters is not null) _guest = counters;
            done = _answer;
            _answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult();
    }

    internal void Ended()
    {
        _ended = true;
        Answered(null); // nobody waits for an answer that cannot come
    }

    private long Rss()
    {
        _process.Refresh();
        return _process.WorkingSet64;
    }
}
