using System.Runtime.InteropServices;

namespace Wasmbox.Wasi.Randomness.Interop;

internal static partial class Sys
{
    /// <summary>
    /// <c>getrandom(2)</c> with no flags: the kernel's CSPRNG (the urandom source, blocking only until it is seeded at
    /// boot). Returns the bytes written, which may be fewer than asked (at most 32 MiB − 1 per call; fewer when a
    /// signal interrupts it past 256 bytes), or −1 with errno.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
    public static unsafe partial nint Getrandom(byte* buf, nuint buflen, uint flags);
}
