using System.Runtime.InteropServices;

namespace Wasmbox.Runtime.Native;

/// <summary>
/// CPU time (user + system) of the calling thread, or of the whole process. In-process the guest runs on the calling
/// thread, so the thread's clock is the guest's CPU time; in a worker the whole process is the sandbox.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockProcessCpuTimeId = 2, ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out Timespec value);

    [LibraryImport("libc", EntryPoint = "pthread_self")]
    private static partial nuint PthreadSelf();

    [LibraryImport("libc", EntryPoint = "pthread_getcpuclockid")]
    private static partial int PthreadGetCpuClockId(nuint thread, out int clockId);

    public static TimeSpan Now() => Read(ClockThreadCpuTimeId);

    /// <summary>
    /// The calling thread's CPU clock as a reader any thread may call (a watchdog reading the guest's thread), or null
    /// when the platform has none.
    /// </summary>
    public static Func<TimeSpan>? OfCurrentThread()
    {
        if (!OperatingSystem.IsLinux() || PthreadGetCpuClockId(PthreadSelf(), out var clock) != 0) return null;
        return () => Read(clock);
    }

    public static TimeSpan Process() => Read(ClockProcessCpuTimeId);

    private static TimeSpan Read(int clock)
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(clock, out var ts) != 0)
            return TimeSpan.Zero;
        return TimeSpan.FromTicks(ts.Seconds * TimeSpan.TicksPerSecond + ts.Nanoseconds / 100);
    }
}

/// <summary>Whose CPU time a run measures and limits (<c>--cpu-time</c>).</summary>
public enum CpuScope
{
    /// <summary>The thread that runs the guest: right in-process, where other threads belong to the host.</summary>
    Thread,
    /// <summary>The whole process: right in a worker, which exists only for this guest.</summary>
    Process,
}
