using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Clocks;

/// <summary>
/// The four clocks of WASI preview1 (docs.md#clockid) as one guest sees them, and how time passes while
/// <c>poll_oneoff</c> waits. Two implementations: <see cref="SystemClock"/> (the host's clocks) and
/// <see cref="DeterministicClock"/> (<c>--deterministic</c>: a fake timeline that moves only with the guest's calls).
/// </summary>
/// <remarks>
/// Every method takes a clock id already checked by <see cref="IsKnown"/>: an unknown id is the host call's EINVAL, not
/// the clock's concern. Used by one guest thread at a time, as the rest of the context is.
/// </remarks>
public abstract class WasiClock
{
    /// <summary>Whether <paramref name="id"/> names one of the spec's four clocks.</summary>
    public static bool IsKnown(uint id) => id <= (uint)Clockid.ThreadCputimeId;

    /// <summary><c>clock_res_get</c>: the resolution of <paramref name="id"/> in nanoseconds; never 0 (the spec requires a non-zero value).</summary>
    public abstract ulong Resolution(Clockid id);

    /// <summary><c>clock_time_get</c>: the time of <paramref name="id"/> in nanoseconds, as the guest is told it.</summary>
    /// <remarks>A deterministic clock moves on by one step on every call, so two readings are never equal.</remarks>
    public abstract ulong Now(Clockid id);

    /// <summary>The time of <paramref name="id"/> for the host's own bookkeeping (poll_oneoff's deadlines): unlike <see cref="Now"/>, never moves a deterministic clock.</summary>
    public virtual ulong Peek(Clockid id) => Now(id);

    /// <summary>
    /// Lets <paramref name="nanoseconds"/> pass while poll_oneoff waits: the host's clock sleeps (possibly a little longer,
    /// as a subscription's <c>precision</c> allows), a deterministic clock jumps forward at once.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> fired during the wait.</exception>
    public abstract void Wait(ulong nanoseconds, CancellationToken cancel);

    /// <summary>True when <see cref="Wait"/> costs no real time (a deterministic clock): poll_oneoff then never waits for a descriptor when a timeout could fire instead.</summary>
    public abstract bool IsVirtual { get; }
}
