using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Sys
{
    // Linux numbering shared by x86-64 and arm64 (asm-generic/resource.h).
    public const int RLIMIT_FSIZE = 1, RLIMIT_CORE = 4, RLIMIT_NOFILE = 7;

    /// <summary>RLIM_INFINITY: rlim_t is an unsigned 64-bit value on 64-bit Linux.</summary>
    public const ulong RLIM_INFINITY = ulong.MaxValue;

    [StructLayout(LayoutKind.Sequential)]
    public struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int Getrlimit(int resource, out Rlimit limit);
}
