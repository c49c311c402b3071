using System.Runtime.InteropServices;

namespace Wasmbox.Worker;

/// <summary>The largest resident set this process has had, from <c>getrusage(RUSAGE_SELF)</c>.</summary>
internal static partial class PeakRss
{
    private const int RusageSelf = 0;

    /// <summary>struct rusage on 64-bit Linux: two timevals, then fourteen longs; ru_maxrss (KiB) is the first long.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct Rusage
    {
        public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
        public long MaxRssKiB;
        public fixed long Rest[13];
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    public static long? OfThisProcess() =>
        OperatingSystem.IsLinux() && GetRusage(RusageSelf, out var usage) == 0 ? usage.MaxRssKiB * 1024 : null;
}
