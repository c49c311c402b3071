using System.Runtime.InteropServices;

namespace Wasmbox.Wasi.Net.Interop;

internal static partial class Sys
{
    /// <summary>Bytes waiting to be read on a pipe, socket or terminal (the same number on x86-64 and aarch64).</summary>
    public const nuint FIONREAD = 0x541B;

    /// <summary><c>ioctl(2)</c> with an <c>int*</c> argument.</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, out int value);
}
