using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Jail.Interop;
using Wasmbox.Jail.Probes;
using static Wasmbox.Jail.Interop.Seccomp;

namespace Wasmbox.Jail.Syscalls;

/// <summary>
/// The worker's syscall filter: a denylist that bubblewrap loads with <c>--seccomp FD</c> just before it starts the worker.
/// </summary>
/// <remarks>
/// Everything not listed in <see cref="Denied"/> is allowed. A denied call fails with EPERM (clone3: ENOSYS) rather than
/// killing the worker, so a library that probes a call sees an ordinary error. A syscall made through another
/// architecture's ABI (32-bit <c>int 0x80</c>, x32) kills the worker: nothing legitimate in a 64-bit .NET process makes
/// one. <c>openat2</c> is deliberately allowed: the WASI host resolves every path with it. See docs/RATIONALE.md,
/// "Why a seccomp denylist that answers EPERM?".
/// </remarks>
public static class WorkerSeccompFilter
{
    private const int EPERM = 1, ENOSYS = 38;
    private const ulong AF_UNIX = 1;
    private const ulong TIOCSTI = 0x5412, TIOCLINUX = 0x541C;
    private const ulong CLONE_NEWNS = 0x00020000, CLONE_NEWCGROUP = 0x02000000, CLONE_NEWUTS = 0x04000000,
                        CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000,
                        CLONE_NEWNET = 0x40000000;

    /// <summary>One denylist entry with the comparisons that make it up: denied when any of <see cref="AnyOf"/> holds in full.</summary>
    /// <param name="AnyOf">Alternatives, each a set of comparisons that must all hold; empty means always denied.</param>
    private sealed record Rule(DeniedSyscall Doc, int Errno, ScmpArgCmp[][] AnyOf);

    private static Rule Always(string name, string reason) => new(new DeniedSyscall(name, null, "EPERM", reason), EPERM, []);

    private static readonly Rule[] Rules =
    [
        // Other processes.
        Always("ptrace", "reads and writes another process's memory and registers"),
        Always("process_vm_readv", "reads another process's memory"),
        Always("process_vm_writev", "writes another process's memory"),
        Always("pidfd_getfd", "copies a file descriptor out of another process"),
        // The kernel itself.
        Always("kexec_load", "replaces the running kernel"),
        Always("kexec_file_load", "replaces the running kernel"),
        Always("init_module", "loads kernel code"),
        Always("finit_module", "loads kernel code"),
        Always("delete_module", "unloads kernel code"),
        Always("bpf", "loads eBPF programs into the kernel: a large attack surface"),
        Always("perf_event_open", "performance counters: side channels, and a long record of kernel bugs"),
        Always("userfaultfd", "lets a process stall the kernel in the middle of a copy, a common exploit aid"),
        Always("keyctl", "kernel keyrings are not namespaced"),
        Always("add_key", "kernel keyrings are not namespaced"),
        Always("request_key", "kernel keyrings are not namespaced"),
        Always("io_uring_setup", "io_uring runs syscalls that this filter never sees, and is a frequent source of kernel bugs"),
        Always("io_uring_enter", "io_uring runs syscalls that this filter never sees, and is a frequent source of kernel bugs"),
        Always("io_uring_register", "io_uring runs syscalls that this filter never sees, and is a frequent source of kernel bugs"),
        Always("lookup_dcookie", "kernel profiling internals"),
        Always("uselib", "the old a.out library loader"),
        Always("nfsservctl", "removed in Linux 3.1; denied wherever the name still resolves"),
        // The file system view that bubblewrap built.
        Always("mount", "changes the mount table that bubblewrap built"),
        Always("umount2", "changes the mount table that bubblewrap built"),
        Always("pivot_root", "changes the mount table that bubblewrap built"),
        Always("move_mount", "changes the mount table that bubblewrap built"),
        Always("open_tree", "clones mounts of the mount table that bubblewrap built"),
        Always("fsopen", "creates a new mount"),
        Always("fsmount", "creates a new mount"),
        Always("fsconfig", "configures a new mount"),
        Always("fspick", "reconfigures an existing mount"),
        Always("mount_setattr", "changes mount flags such as read-only"),
        Always("chroot", "changing the root is bubblewrap's job"),
        Always("open_by_handle_at", "opens a file by handle, past the mount view (the 'Shocker' container escape)"),
        Always("name_to_handle_at", "makes the file handles that open_by_handle_at takes"),
        // Namespaces.
        Always("unshare", "creates namespaces, and with a user namespace a new set of capabilities"),
        Always("setns", "enters another namespace"),
        // Host administration.
        Always("swapon", "host administration"),
        Always("swapoff", "host administration"),
        Always("reboot", "host administration"),
        Always("acct", "host administration"),
        Always("quotactl", "host administration"),
        Always("quotactl_fd", "host administration"),
        Always("syslog", "reads the kernel log"),
        Always("clock_settime", "sets the host clock"),
        Always("settimeofday", "sets the host clock"),
        Always("adjtimex", "tunes the host clock"),
        Always("clock_adjtime", "tunes the host clock"),
        Always("iopl", "raw access to hardware I/O ports"),
        Always("ioperm", "raw access to hardware I/O ports"),
        Always("vhangup", "hangs up the terminal"),
        // Calls denied only for some arguments.
        new(new DeniedSyscall("socket", "domain is not AF_UNIX", "EPERM",
                              "network sockets belong to the supervisor's broker, never to the worker"),
            EPERM, [[new ScmpArgCmp(0, SCMP_CMP_NE, AF_UNIX, 0)]]),
        new(new DeniedSyscall("socketpair", "domain is not AF_UNIX", "EPERM",
                              "network sockets belong to the supervisor's broker, never to the worker"),
            EPERM, [[new ScmpArgCmp(0, SCMP_CMP_NE, AF_UNIX, 0)]]),
        // Why a mask: the kernel reads the request as a 32-bit int, so TIOCSTI with high bits set must match too.
        new(new DeniedSyscall("ioctl", "request is TIOCSTI or TIOCLINUX", "EPERM",
                              "pushes keystrokes into the terminal, to be run by the shell outside the jail (CVE-2017-5226)"),
            EPERM, [[new ScmpArgCmp(1, SCMP_CMP_MASKED_EQ, 0xffffffff, TIOCSTI)], [new ScmpArgCmp(1, SCMP_CMP_MASKED_EQ, 0xffffffff, TIOCLINUX)]]),
        // Why flags in argument 0: the clone argument order of x86-64 and arm64 (s390 differs; Wasmbox does not target it).
        new(new DeniedSyscall("clone", "flags include a CLONE_NEW* namespace flag", "EPERM",
                              "creates namespaces, like unshare"),
            EPERM, [.. new[] { CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET }
                       .Select(flag => new[] { new ScmpArgCmp(0, SCMP_CMP_MASKED_EQ, flag, flag) })]),
        // Why ENOSYS: clone3's flags sit behind a pointer that seccomp cannot read. glibc falls back to clone on ENOSYS
        // (and nothing else), where the rule above sees the flags.
        new(new DeniedSyscall("clone3", null, "ENOSYS",
                              "its flags are behind a pointer the filter cannot read; callers fall back to clone"),
            ENOSYS, []),
        new(new DeniedSyscall("personality", "persona is neither 0 (PER_LINUX) nor 0xffffffff (query)", "EPERM",
                              "turns off address-space randomisation or makes memory executable for the next program"),
            EPERM, PersonalityOtherThanDefaultOrQuery()),
    ];

    /// <summary>
    /// Why 33 rules for one call: libseccomp 2.5 refuses two comparisons on the same argument in one rule, so "not 0 and
    /// not 0xffffffff" is written as a union. A 32-bit value that is neither all zeros nor all ones has a set bit whose
    /// neighbour (cyclically) is clear; one rule per bit i matches "bit i set, bit i+1 clear". Values above 32 bits get
    /// their own rule (the kernel would truncate them).
    /// </summary>
    private static ScmpArgCmp[][] PersonalityOtherThanDefaultOrQuery()
    {
        var rules = new List<ScmpArgCmp[]> { new[] { new ScmpArgCmp(0, SCMP_CMP_GT, 0xffffffff, 0) } };
        for (var bit = 0; bit < 32; bit++)
        {
            var set = 1UL << bit;
            var clear = 1UL << ((bit + 1) % 32);
            rules.Add([new ScmpArgCmp(0, SCMP_CMP_MASKED_EQ, set | clear, set)]);
        }
        return [.. rules];
    }

    /// <summary>The denied syscalls, by name, each once, with its condition and one-line reason. <c>openat2</c> is never among them.</summary>
    public static IReadOnlyList<DeniedSyscall> Denied { get; } = Array.AsReadOnly(Rules.Select(r => r.Doc).ToArray());

    private sealed record Built(byte[] Program, IReadOnlyList<SkippedSyscall> Skipped);

    // Why PublicationOnly: a failed build (libseccomp missing) is not cached, so installing the library fixes a running supervisor.
    private static readonly Lazy<Built> Cached = new(Build, LazyThreadSafetyMode.PublicationOnly);

    /// <summary>
    /// The filter as a BPF program in a new memfd: positioned at 0, sealed against writes and resizing, CLOEXEC set.
    /// </summary>
    /// <remarks>
    /// The caller owns the handle. Clear CLOEXEC under the spawn lock just before bwrap starts, and give each bwrap its own
    /// memfd: bwrap reads the program from the file's current offset, which duplicated descriptors share. The program is
    /// built with libseccomp once per process; later calls only copy it into a new memfd.
    /// </remarks>
    /// <exception cref="JailSetupException">libseccomp is missing or failed, or memfd_create failed.</exception>
    public static SafeFileHandle Export()
    {
        var program = Cached.Value.Program;
        var memfd = CreateMemfd(MFD_FLAGS_SEALABLE);
        try
        {
            // pwrite leaves the file offset at 0, where bwrap starts reading.
            RandomAccess.Write(memfd, program, fileOffset: 0);
            if (Sys.Fcntl((int)memfd.DangerousGetHandle(), Sys.F_ADD_SEALS,
                          Sys.F_SEAL_SEAL | Sys.F_SEAL_SHRINK | Sys.F_SEAL_GROW | Sys.F_SEAL_WRITE) < 0)
                throw Failed("fcntl(F_ADD_SEALS) on the seccomp memfd", Marshal.GetLastPInvokeError());
            return memfd;
        }
        catch
        {
            memfd.Dispose();
            throw;
        }
    }

    /// <summary>The same BPF program as <see cref="Export"/>, as bytes: an array of 8-byte <c>struct sock_filter</c>.</summary>
    /// <remarks>Returns a new copy on each call.</remarks>
    /// <exception cref="JailSetupException">libseccomp is missing or failed.</exception>
    public static byte[] ExportBytes() => (byte[])Cached.Value.Program.Clone();

    /// <summary>Entries of <see cref="Denied"/> left out of the filter on this host, each with the reason.</summary>
    /// <exception cref="JailSetupException">libseccomp is missing or failed.</exception>
    public static IReadOnlyList<SkippedSyscall> SkippedOnThisHost() => Cached.Value.Skipped;

    private const uint MFD_FLAGS_SEALABLE = Sys.MFD_CLOEXEC | Sys.MFD_ALLOW_SEALING;

    private static Built Build()
    {
        try
        {
            return BuildWithLibseccomp();
        }
        catch (DllNotFoundException e)
        {
            throw new JailSetupException($"{Library} not found: {SeccompProbe.InstallCommand}", e);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new JailSetupException($"{Library} is too old ({e.Message}): {SeccompProbe.InstallCommand}", e);
        }
    }

    /// <summary>Builds the filter from scratch with libseccomp. Internal so that tests and benchmarks can time an uncached build.</summary>
    internal static (byte[] Program, IReadOnlyList<SkippedSyscall> Skipped) BuildUncached()
    {
        var built = BuildWithLibseccomp();
        return (built.Program, built.Skipped);
    }

    private static Built BuildWithLibseccomp()
    {
        using var context = SeccompInit(SCMP_ACT_ALLOW);
        if (context.IsInvalid) throw new JailSetupException("seccomp_init failed: run wasmbox doctor");

        // Kill the whole process for a foreign-ABI syscall; libseccomp refuses KILL_PROCESS where the kernel lacks it
        // (before 4.14), and EPERM still blocks the call there.
        if (SeccompAttrSet(context, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0)
            Check(SeccompAttrSet(context, SCMP_FLTATR_ACT_BADARCH, ScmpActErrno(EPERM)), "seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)");

        var skipped = new List<SkippedSyscall>();
        foreach (var rule in Rules)
        {
            var name = rule.Doc.Name;
            var nr = SeccompSyscallResolveName(name);
            if (nr < 0)
            {
                skipped.Add(new SkippedSyscall(name, nr == NR_SCMP_ERROR
                    ? "unknown to this libseccomp"
                    : $"not a syscall on {RuntimeInformation.ProcessArchitecture}"));
                continue;
            }
            var action = ScmpActErrno(rule.Errno);
            if (rule.AnyOf.Length == 0)
                Check(SeccompRuleAddArray(context, action, nr, 0, null), $"seccomp_rule_add({name})");
            foreach (var all in rule.AnyOf)
                Check(SeccompRuleAddArray(context, action, nr, (uint)all.Length, all), $"seccomp_rule_add({name})");
        }
        return new Built(ExportToBytes(context), skipped.AsReadOnly());
    }

    private static byte[] ExportToBytes(SafeSeccompContextHandle context)
    {
        using var scratch = CreateMemfd(Sys.MFD_CLOEXEC);
        Check(SeccompExportBpf(context, (int)scratch.DangerousGetHandle()), "seccomp_export_bpf");
        var program = new byte[RandomAccess.GetLength(scratch)];
        var read = RandomAccess.Read(scratch, program, fileOffset: 0);
        if (read != program.Length || program.Length == 0 || program.Length % 8 != 0)
            throw new JailSetupException($"seccomp_export_bpf wrote {program.Length} bytes, read back {read}: not a BPF program");
        return program;
    }

    private static SafeFileHandle CreateMemfd(uint flags)
    {
        var fd = Sys.MemfdCreate("wasmbox-seccomp", flags);
        if (fd < 0) throw Failed("memfd_create", Marshal.GetLastPInvokeError());
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>libseccomp returns a negative errno instead of setting errno.</summary>
    private static void Check(int result, string what)
    {
        if (result != 0) throw Failed(what, -result);
    }

    private static JailSetupException Failed(string what, int errno) =>
        new($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); run wasmbox doctor");
}
