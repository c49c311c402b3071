using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    public const int F_GETFL = 3, F_SETFL = 4;

    /// <summary><c>fcntl(2)</c> with an int argument (F_GETFL ignores it).</summary>
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(SafeFileHandle fd, int cmd, int arg);
}
