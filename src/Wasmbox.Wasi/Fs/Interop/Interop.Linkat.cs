using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    /// <summary><c>linkat(2)</c>; without <see cref="AT_SYMLINK_FOLLOW"/> a symlink source is linked itself.</summary>
    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Linkat(SafeFileHandle oldDirfd, string oldPath, SafeFileHandle newDirfd, string newPath, int flags);
}
