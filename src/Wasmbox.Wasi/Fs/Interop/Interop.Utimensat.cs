using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    /// <summary>Special <c>tv_nsec</c> values: set to the current time, or leave unchanged.</summary>
    public const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    /// <param name="times">Two timespecs: access, then modification.</param>
    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int Utimensat(SafeFileHandle dirfd, string path, Timespec* times, int flags);
}
