using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Protocol;

namespace Wasmbox.Worker;

/// <summary>
/// The worker's one <see cref="FrameType.Result"/> frame, sent by whichever comes first: the run's own end, or a watch
/// that found a time limit passed while the guest runs (a worker compiles no epoch checks, so nothing can unwind a guest
/// in compiled code; see docs/RATIONALE.md, "Why does a worker compile no deadline checks?").
/// </summary>
/// <remarks>
/// The watch then ends the process at once with <c>_exit</c> (exit_group): no runtime shutdown, which could wait on the
/// guest's thread. <see cref="FrameWriter"/> is thread-safe, so the watch may write while the guest's thread writes too.
/// </remarks>
internal sealed class ResultGate(FrameWriter writer)
{
    private int _claimed;

    /// <summary>Sends the run's own result, unless a watch has sent one already; false then (the process is ending).</summary>
    public bool TrySend(WorkerResult result)
    {
        if (Interlocked.Exchange(ref _claimed, 1) != 0) return false;
        writer.WriteJson(FrameType.Result, result);
        return true;
    }

    /// <summary>For a watch: sends <paramref name="result"/> and ends the process with status 0 (the parent reads the
    /// outcome from the frame). Returns only when the run's own result went first.</summary>
    public void SendAndExit(RunResult result)
    {
        if (Interlocked.Exchange(ref _claimed, 1) != 0) return;
        try { writer.WriteJson(FrameType.Result, result.ToWire(PeakRss.OfThisProcess())); }
        catch (IOException) { } // the parent is gone; it kills the cgroup and explains the ending itself
        ExitNow.With(0);
    }
}
