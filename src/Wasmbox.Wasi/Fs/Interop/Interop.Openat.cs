using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    /// <summary>Linux <c>PATH_MAX</c> (limits.h): the longest path the kernel takes, its NUL included.</summary>
    public const int PATH_MAX = 4096;

    /// <summary><c>openat(2)</c>: used by the component walk (<see cref="Fs.BeneathResolver"/>) where openat2 is missing.</summary>
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Openat(SafeFileHandle dirfd, string path, int flags, uint mode);
}
