using System.Diagnostics;
using Wasmbox.Core.Outcomes;
using Wasmbox.Jail.Cgroups;

namespace Wasmbox.Jail.Workers;

/// <summary>
/// A running worker seen from its parent, for live samples of its use (<c>wasmbox stats</c>): the jail's cgroup when
/// there is one, else the worker's own <c>/proc</c> entry. Samples nothing once the worker has exited.
/// </summary>
public sealed class LiveWorker
{
    private readonly Process _process;
    private readonly WorkerCgroup? _cgroup;
    private readonly long? _memoryLimit;
    private readonly Stopwatch _since = Stopwatch.StartNew();
    private volatile bool _ended;

    internal LiveWorker(Process process, WorkerCgroup? cgroup, long? memoryLimit)
    {
        _process = process;
        _cgroup = cgroup;
        _memoryLimit = memoryLimit;
    }

    /// <summary>The worker's use now; null once it has ended (its cgroup may be gone).</summary>
    public LiveUsage? Sample()
    {
        if (_ended) return null;
        try
        {
            if (_cgroup is not null)
                return new LiveUsage(_since.Elapsed, _cgroup.CpuUsage() ?? TimeSpan.Zero, _cgroup.CurrentMemoryBytes() ?? Rss(), _memoryLimit, _cgroup.Pids().Count);
            _process.Refresh();
            return new LiveUsage(_since.Elapsed, _process.TotalProcessorTime, _process.WorkingSet64, _memoryLimit, null);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or IOException or UnauthorizedAccessException
                                      or System.ComponentModel.Win32Exception)
        {
            return null; // it ended while we looked
        }
    }

    internal void Ended() => _ended = true;

    private long Rss()
    {
        _process.Refresh();
        return _process.WorkingSet64;
    }
}
