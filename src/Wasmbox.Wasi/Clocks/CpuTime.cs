using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.Clocks;

/// <summary>
/// The host's CPU-time clocks: on Linux <c>clock_gettime(CLOCK_PROCESS_CPUTIME_ID / CLOCK_THREAD_CPUTIME_ID)</c>; elsewhere
/// the process's total CPU time (<see cref="Environment.CpuUsage"/>) stands in for both.
/// </summary>
/// <remarks>
/// The thread clock is the calling thread's, and in the <c>none</c> tier the guest runs on the calling thread, so it
/// measures the guest alone; the process clock includes the runtime's own threads (docs/RATIONALE.md, "Why is the
/// guest's CPU time the thread's?").
/// </remarks>
internal static class CpuTime
{
    public static ulong Process() => Read(Sys.CLOCK_PROCESS_CPUTIME_ID);

    public static ulong Thread() => Read(Sys.CLOCK_THREAD_CPUTIME_ID);

    /// <summary>The resolution of the CPU-time clocks in nanoseconds; at least 1.</summary>
    public static ulong Resolution(bool thread)
    {
        if (!OperatingSystem.IsLinux()) return TimeSpan.NanosecondsPerTick;
        var id = thread ? Sys.CLOCK_THREAD_CPUTIME_ID : Sys.CLOCK_PROCESS_CPUTIME_ID;
        return Sys.ClockGetres(id, out var res) == 0 ? Math.Max(1, ToNanoseconds(res)) : 1;
    }

    private static ulong Read(int clockId)
    {
        // clock_gettime on these two ids can only fail for a bad id or pointer, neither possible here; fall back to the
        // managed figure rather than tell the guest nonsense if it ever does.
        if (OperatingSystem.IsLinux() && Sys.ClockGettime(clockId, out var now) == 0) return ToNanoseconds(now);
        return (ulong)Environment.CpuUsage.TotalTime.Ticks * TimeSpan.NanosecondsPerTick;
    }

    private static ulong ToNanoseconds(Sys.Timespec t) => (ulong)t.Seconds * 1_000_000_000UL + (ulong)t.Nanoseconds;
}
