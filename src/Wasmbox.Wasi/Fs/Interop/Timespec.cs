using System.Runtime.InteropServices;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    /// <summary><c>struct timespec</c> on Linux's 64-bit ABIs: <c>time_t</c> seconds and <c>long</c> nanoseconds.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
