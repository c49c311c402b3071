using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(SafeFileHandle fd, byte* buf, nuint count);

    /// <summary>
    /// write(2) on a raw descriptor number, for a caller that holds a reference on the descriptor's
    /// <see cref="SafeHandle"/> for as long as it uses the number (<see cref="HostFdStream"/>): no reference counting per call.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buf, nuint count);
}
