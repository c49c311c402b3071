using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Seccomp
{
    // Actions (seccomp.h): the low 16 bits of SCMP_ACT_ERRNO carry the errno.
    public const uint SCMP_ACT_ALLOW = 0x7fff0000;
    public const uint SCMP_ACT_KILL_PROCESS = 0x80000000;
    public static uint ScmpActErrno(int errno) => 0x00050000u | ((uint)errno & 0xffffu);

    /// <summary><c>enum scmp_filter_attr</c>: SCMP_FLTATR_ACT_BADARCH, the action for a syscall from an architecture not in the filter.</summary>
    public const int SCMP_FLTATR_ACT_BADARCH = 2;

    /// <summary><c>enum scmp_compare</c>.</summary>
    public const int SCMP_CMP_NE = 1, SCMP_CMP_EQ = 4, SCMP_CMP_GT = 6, SCMP_CMP_MASKED_EQ = 7;

    /// <summary>
    /// <c>struct scmp_arg_cmp { unsigned int arg; enum scmp_compare op; scmp_datum_t datum_a; scmp_datum_t datum_b; }</c>.
    /// For SCMP_CMP_MASKED_EQ, <see cref="A"/> is the mask and <see cref="B"/> the value.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public readonly record struct ScmpArgCmp(uint Arg, int Op, ulong A, ulong B);

    /// <summary><c>scmp_filter_ctx seccomp_init(uint32_t def_action)</c>; an invalid handle (null) on failure.</summary>
    [LibraryImport(Library, EntryPoint = "seccomp_init", SetLastError = true)]
    public static partial SafeSeccompContextHandle SeccompInit(uint defaultAction);

    [LibraryImport(Library, EntryPoint = "seccomp_release", SetLastError = true)]
    public static partial void SeccompRelease(nint context);

    /// <summary>Returns 0, or a negative errno (libseccomp returns errors, it does not set errno).</summary>
    [LibraryImport(Library, EntryPoint = "seccomp_attr_set", SetLastError = true)]
    public static partial int SeccompAttrSet(SafeSeccompContextHandle context, int attribute, uint value);

    /// <summary>
    /// Adds one rule: <paramref name="action"/> for <paramref name="syscall"/> when every comparison holds (they are ANDed;
    /// several rules for one syscall are ORed). Returns 0, or a negative errno.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "seccomp_rule_add_array", SetLastError = true)]
    public static partial int SeccompRuleAddArray(SafeSeccompContextHandle context, uint action, int syscall, uint argCount,
                                                  ScmpArgCmp[]? comparisons);

    /// <summary>Writes the classic-BPF program (an array of 8-byte <c>struct sock_filter</c>) to the fd with write(2). Returns 0, or a negative errno.</summary>
    [LibraryImport(Library, EntryPoint = "seccomp_export_bpf", SetLastError = true)]
    public static partial int SeccompExportBpf(SafeSeccompContextHandle context, int fd);
}

/// <summary>A libseccomp filter context; disposing it calls <c>seccomp_release</c>.</summary>
internal sealed class SafeSeccompContextHandle : SafeHandle
{
    public SafeSeccompContextHandle() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        Seccomp.SeccompRelease(handle);
        return true;
    }
}
