using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    /// <param name="times">Two timespecs: access, then modification.</param>
    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    public static unsafe partial int Futimens(SafeFileHandle fd, Timespec* times);
}
