using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Clocks;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// clock_res_get / clock_time_get over the context's WasiClock (the host's clocks, or the deterministic timeline).
public sealed partial class WasiHost
{
    /// <summary><c>clock_res_get(id) -> timestamp</c>: the resolution of a clock, in nanoseconds (never 0).</summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="id">A <see cref="Clockid"/>: realtime (0), monotonic (1), process_cputime_id (2), thread_cputime_id (3).</param>
    /// <param name="resolutionPtr">Where the resolution goes: u64, aligned to 8.</param>
    /// <returns>
    /// <see cref="Errno.Success"/>; <see cref="Errno.Inval"/> when <paramref name="id"/> is none of the four clocks
    /// (nothing written). A bad <paramref name="resolutionPtr"/> traps.
    /// </returns>
    /// <remarks>
    /// Host clocks: realtime 100 ns, monotonic 1 ns on Linux, CPU clocks as <c>clock_getres</c> says; deterministic: 1 µs.
    /// See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#clock_res_get.
    /// </remarks>
    public Errno ClockResGet(GuestMemory memory, uint id, uint resolutionPtr)
    {
        if (!WasiClock.IsKnown(id)) return Errno.Inval;
        memory.WriteU64(resolutionPtr, Context.Clock.Resolution((Clockid)id));
        return Errno.Success;
    }

    /// <summary><c>clock_time_get(id, precision) -> timestamp</c>: the time of a clock, in nanoseconds.</summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="id">A <see cref="Clockid"/>, as for <see cref="ClockResGet"/>.</param>
    /// <param name="precision">The lag the guest tolerates. Ignored, as the spec allows: every reading is as precise as the clock.</param>
    /// <param name="timePtr">Where the time goes: u64, aligned to 8.</param>
    /// <returns>
    /// <see cref="Errno.Success"/>; <see cref="Errno.Inval"/> for an unknown <paramref name="id"/> (nothing written).
    /// A bad <paramref name="timePtr"/> traps, before the clock is read (a deterministic clock does not move).
    /// </returns>
    /// <remarks>
    /// Realtime counts from 1970-01-01T00:00:00Z; monotonic from an undefined start (here: the context's creation, or 0
    /// on the deterministic timeline, whose realtime starts at 2000-01-01T00:00:00Z and which moves 1 µs per call).
    /// See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#clock_time_get.
    /// </remarks>
    public Errno ClockTimeGet(GuestMemory memory, uint id, ulong precision, uint timePtr)
    {
        if (!WasiClock.IsKnown(id)) return Errno.Inval;
        GuestRegions.Require(memory, timePtr, 1, 8, 8);
        memory.WriteU64(timePtr, Context.Clock.Now((Clockid)id));
        return Errno.Success;
    }
}
