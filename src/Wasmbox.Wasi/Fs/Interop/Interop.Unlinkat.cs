using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    /// <summary><c>unlinkat(2)</c>; <see cref="AT_REMOVEDIR"/> makes it rmdir. Never follows the last component.</summary>
    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlinkat(SafeFileHandle dirfd, string path, int flags);
}
