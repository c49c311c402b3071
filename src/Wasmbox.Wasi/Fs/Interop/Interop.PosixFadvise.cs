using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    public const int POSIX_FADV_NORMAL = 0, POSIX_FADV_RANDOM = 1, POSIX_FADV_SEQUENTIAL = 2, POSIX_FADV_WILLNEED = 3,
        POSIX_FADV_DONTNEED = 4, POSIX_FADV_NOREUSE = 5;

    /// <summary><c>posix_fadvise(3)</c>. Returns the error number itself (0 on success); it does not set errno.</summary>
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    public static partial int PosixFadvise(SafeFileHandle fd, long offset, long length, int advice);
}
