using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Sys
{
    public const uint MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;

    // fcntl commands and seals for memfds (linux/fcntl.h; F_LINUX_SPECIFIC_BASE is 1024).
    public const int F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
    public const int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;

    /// <summary><c>int memfd_create(const char *name, unsigned int flags)</c> (glibc 2.27, Linux 3.17): an anonymous file in memory.</summary>
    [LibraryImport("libc", EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int MemfdCreate(string name, uint flags);
}
