using System.Runtime.InteropServices;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    /// <summary>Linux clock ids (uapi/linux/time.h) for the CPU-time clocks, which .NET has no managed API for.</summary>
    public const int CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3;

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGettime(int clockId, out Timespec time);

    [LibraryImport("libc", EntryPoint = "clock_getres", SetLastError = true)]
    public static partial int ClockGetres(int clockId, out Timespec resolution);
}
