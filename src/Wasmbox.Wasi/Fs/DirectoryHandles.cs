using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.Fs;

/// <summary>Opens the host directories that grants name.</summary>
public static class DirectoryHandles
{
    /// <summary>
    /// Opens <paramref name="hostPath"/> as an <c>O_PATH|O_DIRECTORY|O_CLOEXEC</c> handle: it can anchor path lookups
    /// but cannot itself be read or written, and is never inherited by a child process.
    /// </summary>
    public static Errno OpenDirectory(string hostPath, out SafeFileHandle handle)
    {
        var fd = Sys.Open(hostPath, Sys.O_PATH | Sys.O_DIRECTORY | Sys.O_CLOEXEC, 0);
        if (fd < 0)
        {
            handle = null!;
            return ErrnoMapping.LastError();
        }
        handle = new SafeFileHandle(fd, ownsHandle: true);
        return Errno.Success;
    }
}
