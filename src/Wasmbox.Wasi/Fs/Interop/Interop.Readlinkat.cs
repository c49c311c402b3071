using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    /// <summary><c>readlinkat(2)</c>: the bytes of the target, not NUL-terminated, truncated to <paramref name="size"/>.</summary>
    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial nint Readlinkat(SafeFileHandle dirfd, string path, byte* buf, nuint size);
}
