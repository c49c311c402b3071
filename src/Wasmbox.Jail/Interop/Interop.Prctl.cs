using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Sys
{
    /// <summary>Returns 0 (no seccomp), 1 (strict) or 2 (filter) for the calling thread; -1/EINVAL when the kernel lacks seccomp.</summary>
    public const int PR_GET_SECCOMP = 21;

    // prctl is variadic in C; on Linux x86-64 and arm64 integer arguments pass the same way either way.
    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
