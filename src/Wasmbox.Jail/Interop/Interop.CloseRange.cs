using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Sys
{
    /// <summary>Set close-on-exec on the range instead of closing it (Linux 5.11).</summary>
    public const uint CLOSE_RANGE_CLOEXEC = 1u << 2;

    [LibraryImport("libc", EntryPoint = "close_range", SetLastError = true)]
    public static partial int CloseRange(uint first, uint last, uint flags);
}
