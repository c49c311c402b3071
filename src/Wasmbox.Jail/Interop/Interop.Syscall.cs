using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Sys
{
    // syscall is variadic in C; on Linux x86-64 and arm64 integer arguments pass the same way either way.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial nint Syscall3(nint number, nint arg1, nint arg2, nint arg3);
}
