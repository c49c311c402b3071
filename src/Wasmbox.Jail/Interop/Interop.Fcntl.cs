using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Sys
{
    public const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;
    public const int F_DUPFD_CLOEXEC = 1030, F_SETPIPE_SZ = 1031;

    // fcntl is variadic in C; an int third argument passes the same way on Linux x86-64 and arm64.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);
}
