using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Seccomp
{
    /// <summary>__NR_SCMP_ERROR: the name is unknown to this libseccomp.</summary>
    public const int NR_SCMP_ERROR = -1;

    /// <summary>
    /// <c>int seccomp_syscall_resolve_name(const char *name)</c> for the native architecture. Returns the syscall number,
    /// <see cref="NR_SCMP_ERROR"/> for an unknown name, or another negative "pseudo" number for a syscall that exists
    /// only on other architectures (for example <c>umount</c> on x86-64).
    /// </summary>
    [LibraryImport(Library, EntryPoint = "seccomp_syscall_resolve_name", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int SeccompSyscallResolveName(string name);
}
