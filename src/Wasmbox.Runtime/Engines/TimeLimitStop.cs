using Wasmbox.Core.Policy;

namespace Wasmbox.Runtime.Engines;

/// <summary>
/// How a guest that is still running when its time limit passes (<c>--timeout</c>, <c>--cpu-time</c>) is stopped. It
/// decides whether epoch checks are compiled in (<see cref="EngineSettings.For"/>), so it is part of the cache key.
/// </summary>
/// <remarks>See docs/RATIONALE.md, "Why does a worker compile no deadline checks?".</remarks>
public enum TimeLimitStop
{
    /// <summary>Epoch checks compiled into the guest's code unwind it at the next loop header or call, and the process
    /// carries on: for a guest that shares its process (tier none, the daemon's in-process uses). Costs a check on every
    /// loop iteration.</summary>
    Unwind,

    /// <summary>The process is the sandbox and ends with the guest: the worker's own watch reports the limit and exits,
    /// and the parent kills the worker (its cgroup) as the backstop. Nothing is compiled in.</summary>
    EndProcess,
}

/// <summary>Which <see cref="TimeLimitStop"/> each tier uses.</summary>
public static class TimeLimitStops
{
    /// <summary>Tier none runs the guest in the caller's process, which must survive it; a worker is the guest's alone.</summary>
    public static TimeLimitStop In(IsolationTier tier) => tier == IsolationTier.None ? TimeLimitStop.Unwind : TimeLimitStop.EndProcess;
}
