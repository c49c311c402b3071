using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    /// <summary><c>posix_fallocate(3)</c>. Returns the error number itself (0 on success); it does not set errno.</summary>
    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    public static partial int PosixFallocate(SafeFileHandle fd, long offset, long length);
}
