using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    /// <summary>
    /// The syscall number of <c>openat2(2)</c>. Why one number for every architecture: openat2 (Linux 5.6) came after
    /// the syscall tables were unified, so it is 437 on x86-64, aarch64 and the generic table alike.
    /// </summary>
    public const long SYS_openat2 = 437;

    public const ulong RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
        RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10;

    /// <summary><c>struct open_how</c> (linux/openat2.h): three u64, 24 bytes, the same on every architecture.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        /// <summary>Must be 0 unless <c>O_CREAT</c> or <c>O_TMPFILE</c> is set (openat2 refuses it with EINVAL).</summary>
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>
    /// <c>syscall(SYS_openat2, dirfd, path, &amp;how, sizeof how)</c>. glibc has no openat2 wrapper, so this goes through
    /// the generic <c>syscall</c> entry point; its variadic arguments are all integers and pointers, which the x86-64 and
    /// aarch64 Linux calling conventions pass exactly as for a fixed-argument function.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial long SyscallOpenat2(long number, SafeFileHandle dirfd, string path, OpenHow* how, nuint size);
}
