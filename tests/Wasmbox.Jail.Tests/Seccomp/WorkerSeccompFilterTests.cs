using System.Runtime.InteropServices;
using Wasmbox.Jail.Interop;
using Wasmbox.Jail.Syscalls;
using static Wasmbox.Jail.Tests.Syscalls.SeccompBpf;

namespace Wasmbox.Jail.Tests.Syscalls;

/// <summary>
/// The filter as data: its denylist, the exported program, and what that program answers for given calls (run through
/// <see cref="SeccompBpf"/>). The jail tests check the same filter against the real kernel.
/// </summary>
public class WorkerSeccompFilterTests
{
    private const int EPERM = 1, ENOSYS = 38;

    internal static void RequireLibseccomp()
    {
        LinuxOnly.Require();
        if (!NativeLibrary.TryLoad(Seccomp.Library, out var h)) Assert.Skip("libseccomp.so.2 is not installed (apt-get install -y libseccomp2)");
        NativeLibrary.Free(h);
    }

    private static void RequireX86_64()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64) Assert.Skip("checks the x86-64 program (native and foreign ABIs); this host is not x86-64");
    }

    internal static int Nr(string name)
    {
        var nr = Seccomp.SeccompSyscallResolveName(name);
        Assert.True(nr >= 0, $"{name} does not resolve on this host ({nr})");
        return nr;
    }

    private static uint Answer(string syscall, params ulong[] args) =>
        Run(WorkerSeccompFilter.ExportBytes(), AuditArchX86_64, Nr(syscall), args);

    [Fact]
    public void Denied_Names_AreUniqueAndEachHasAReason()
    {
        var names = WorkerSeccompFilter.Denied.Select(d => d.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(WorkerSeccompFilter.Denied, d =>
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Reason), d.Name);
            Assert.Contains(d.Errno, new[] { "EPERM", "ENOSYS" });
        });
    }

    [Fact]
    public void Denied_List_CoversTheDangerousFamiliesAndNeverOpenat2()
    {
        var names = WorkerSeccompFilter.Denied.Select(d => d.Name).ToHashSet();
        foreach (var n in new[] { "ptrace", "process_vm_readv", "bpf", "userfaultfd", "mount", "unshare", "setns", "io_uring_setup",
                                  "open_by_handle_at", "socket", "ioctl", "clone", "clone3", "personality", "kexec_load" })
            Assert.Contains(n, names);
        Assert.DoesNotContain("openat2", names);
        Assert.DoesNotContain("openat", names);
        Assert.Equal("ENOSYS", WorkerSeccompFilter.Denied.Single(d => d.Name == "clone3").Errno);
    }

    [Fact]
    public void Denied_EveryName_ResolvesOnThisHostOrIsListedAsSkipped()
    {
        RequireLibseccomp();
        var skipped = WorkerSeccompFilter.SkippedOnThisHost().ToDictionary(s => s.Name, s => s.Reason);
        foreach (var d in WorkerSeccompFilter.Denied)
        {
            var nr = Seccomp.SeccompSyscallResolveName(d.Name);
            if (nr >= 0) Assert.False(skipped.ContainsKey(d.Name), $"{d.Name} resolves to {nr} but is listed as skipped");
            else Assert.True(skipped.TryGetValue(d.Name, out var why) && why.Length > 0, $"{d.Name} does not resolve ({nr}) and is not listed as skipped");
        }
        Assert.All(skipped.Keys, n => Assert.Contains(WorkerSeccompFilter.Denied, d => d.Name == n));
    }

    [Fact]
    public void SkippedOnThisHost_X86_64WithLibseccomp25_IsEmpty()
    {
        RequireLibseccomp();
        RequireX86_64();
        Assert.Empty(WorkerSeccompFilter.SkippedOnThisHost());
    }

    [Fact]
    public void ExportBytes_Program_IsANonEmptyArrayOfSockFilters()
    {
        RequireLibseccomp();
        var program = WorkerSeccompFilter.ExportBytes();
        Assert.NotEmpty(program);
        Assert.Equal(0, program.Length % 8);
        Assert.Equal(program, WorkerSeccompFilter.ExportBytes());
        Assert.Equal(program, WorkerSeccompFilter.BuildUncached().Program);
    }

    [Fact]
    public void Export_Memfd_HoldsTheSameProgramFromOffsetZero()
    {
        RequireLibseccomp();
        using var fd = WorkerSeccompFilter.Export();
        // FileStream starts at the descriptor's current offset: the place bwrap starts reading.
        using var stream = new FileStream(fd, FileAccess.Read, bufferSize: 0);
        Assert.Equal(0, stream.Position);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.Equal(WorkerSeccompFilter.ExportBytes(), copy.ToArray());
    }

    [Fact]
    public void Export_Memfd_IsCloexec()
    {
        RequireLibseccomp();
        using var fd = WorkerSeccompFilter.Export();
        var flags = Sys.Fcntl((int)fd.DangerousGetHandle(), Sys.F_GETFD, 0);
        Assert.True(flags >= 0, $"fcntl(F_GETFD) failed: errno {Marshal.GetLastPInvokeError()}");
        Assert.Equal(Sys.FD_CLOEXEC, flags & Sys.FD_CLOEXEC);
    }

    [Fact]
    public void Export_Memfd_IsSealedAgainstWrites()
    {
        RequireLibseccomp();
        using var fd = WorkerSeccompFilter.Export();
        var seals = Sys.Fcntl((int)fd.DangerousGetHandle(), Sys.F_GET_SEALS, 0);
        Assert.Equal(Sys.F_SEAL_SEAL | Sys.F_SEAL_SHRINK | Sys.F_SEAL_GROW | Sys.F_SEAL_WRITE, seals);
        // pwrite fails with EPERM, which .NET reports as access denied.
        var e = Assert.Throws<UnauthorizedAccessException>(() => RandomAccess.Write(fd, new byte[8], fileOffset: 0));
        Assert.Equal("Operation not permitted", e.InnerException?.Message);
        Assert.Equal(WorkerSeccompFilter.ExportBytes(), ReadAll(fd));
    }

    [Fact]
    public void Export_EachCall_IsANewDescriptor()
    {
        RequireLibseccomp();
        using var a = WorkerSeccompFilter.Export();
        using var b = WorkerSeccompFilter.Export();
        Assert.NotEqual(a.DangerousGetHandle(), b.DangerousGetHandle());
    }

    private static byte[] ReadAll(Microsoft.Win32.SafeHandles.SafeFileHandle fd)
    {
        var bytes = new byte[RandomAccess.GetLength(fd)];
        Assert.Equal(bytes.Length, RandomAccess.Read(fd, bytes, 0));
        return bytes;
    }

    // What the program answers (x86-64). These run the exported bytes, not a copy of the rules.

    [Fact]
    public void Program_EveryUnconditionalDenial_AnswersItsErrno()
    {
        RequireLibseccomp();
        RequireX86_64();
        var skipped = WorkerSeccompFilter.SkippedOnThisHost().Select(s => s.Name).ToHashSet();
        foreach (var d in WorkerSeccompFilter.Denied.Where(d => d.Condition is null && !skipped.Contains(d.Name)))
            Assert.True(RetErrno(d.Errno == "ENOSYS" ? ENOSYS : EPERM) == Answer(d.Name, 0, 0, 0, 0, 0, 0), d.Name);
    }

    [Theory]
    [InlineData("openat2")]
    [InlineData("openat")]
    [InlineData("read")]
    [InlineData("mmap")]
    [InlineData("futex")]
    [InlineData("memfd_create")]
    [InlineData("epoll_ctl")]
    public void Program_EverydaySyscall_IsAllowed(string syscall)
    {
        RequireLibseccomp();
        RequireX86_64();
        Assert.Equal(RetAllow, Answer(syscall, 3, 0, 0, 0, 0, 0));
    }

    [Theory]
    [InlineData(1UL, RetAllow)]               // AF_UNIX
    [InlineData(2UL, 0x00050001u)]            // AF_INET
    [InlineData(10UL, 0x00050001u)]           // AF_INET6
    [InlineData(16UL, 0x00050001u)]           // AF_NETLINK
    [InlineData(17UL, 0x00050001u)]           // AF_PACKET
    [InlineData(0x1_00000001UL, 0x00050001u)] // AF_UNIX in the low half, junk above: denied (the safe side)
    public void Program_SocketAndSocketpair_OnlyAfUnixAllowed(ulong domain, uint expected)
    {
        RequireLibseccomp();
        RequireX86_64();
        Assert.Equal(expected, Answer("socket", domain, 1, 0));
        Assert.Equal(expected, Answer("socketpair", domain, 1, 0, 0x1000));
    }

    [Theory]
    [InlineData(0x5412UL, 0x00050001u)]          // TIOCSTI
    [InlineData(0x541CUL, 0x00050001u)]          // TIOCLINUX
    [InlineData(0xABCD_0000_5412UL, 0x00050001u)] // high bits set: the kernel ignores them, so must the filter
    [InlineData(0x5413UL, RetAllow)]             // TIOCGWINSZ
    [InlineData(0x5401UL, RetAllow)]             // TCGETS
    public void Program_Ioctl_TiocstiAndTioclinuxDenied(ulong request, uint expected)
    {
        RequireLibseccomp();
        RequireX86_64();
        Assert.Equal(expected, Answer("ioctl", 0, request, 0));
    }

    [Theory]
    [InlineData(0x00020000UL)] // CLONE_NEWNS
    [InlineData(0x02000000UL)] // CLONE_NEWCGROUP
    [InlineData(0x04000000UL)] // CLONE_NEWUTS
    [InlineData(0x08000000UL)] // CLONE_NEWIPC
    [InlineData(0x10000000UL)] // CLONE_NEWUSER
    [InlineData(0x20000000UL)] // CLONE_NEWPID
    [InlineData(0x40000000UL)] // CLONE_NEWNET
    public void Program_CloneWithNamespaceFlag_Denied(ulong flag)
    {
        RequireLibseccomp();
        RequireX86_64();
        const ulong forkFlags = 0x01200011; // CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, as glibc's fork
        Assert.Equal(RetErrno(EPERM), Answer("clone", flag | forkFlags, 0, 0, 0, 0));
    }

    [Theory]
    [InlineData(0x01200011UL)] // fork
    [InlineData(0x003D0F00UL)] // pthread_create: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
    [InlineData(0x00004111UL)] // posix_spawn/vfork: VM|VFORK|SIGCHLD
    public void Program_CloneWithoutNamespaceFlags_Allowed(ulong flags)
    {
        RequireLibseccomp();
        RequireX86_64();
        Assert.Equal(RetAllow, Answer("clone", flags, 0, 0, 0, 0));
    }

    [Fact]
    public void Program_Clone3_AnswersEnosysSoCallersFallBackToClone()
    {
        RequireLibseccomp();
        RequireX86_64();
        Assert.Equal(RetErrno(ENOSYS), Answer("clone3", 0x7ffc_0000_1000, 88));
    }

    [Theory]
    [InlineData(0UL, true)]                 // PER_LINUX
    [InlineData(0xffffffffUL, true)]        // query
    [InlineData(0x0040000UL, false)]        // ADDR_NO_RANDOMIZE
    [InlineData(0x0400000UL, false)]        // READ_IMPLIES_EXEC
    [InlineData(0x0008UL, false)]           // PER_LINUX32
    [InlineData(0x80000000UL, false)]
    [InlineData(0x7fffffffUL, false)]
    [InlineData(0xfffffffeUL, false)]
    [InlineData(0x1UL, false)]
    [InlineData(0x1_00000000UL, false)]     // truncates to 0 in the kernel; denied anyway
    [InlineData(0xffffffff_ffffffffUL, false)]
    public void Program_Personality_AllowsOnlyTheDefaultAndTheQuery(ulong persona, bool allowed)
    {
        RequireLibseccomp();
        RequireX86_64();
        Assert.Equal(allowed ? RetAllow : RetErrno(EPERM), Answer("personality", persona));
    }

    [Fact]
    public void Program_Personality_EverySingleBitAndEveryAllButOneBitDenied()
    {
        RequireLibseccomp();
        RequireX86_64();
        var program = WorkerSeccompFilter.ExportBytes();
        var nr = Nr("personality");
        for (var bit = 0; bit < 32; bit++)
        {
            Assert.Equal(RetErrno(EPERM), Run(program, AuditArchX86_64, nr, 1UL << bit));
            Assert.Equal(RetErrno(EPERM), Run(program, AuditArchX86_64, nr, 0xffffffffUL & ~(1UL << bit)));
        }
    }

    [Fact]
    public void Program_I386Syscall_KillsTheProcess()
    {
        RequireLibseccomp();
        RequireX86_64();
        // getpid is 20 on i386: harmless, and still killed, because any foreign-ABI call is.
        Assert.Equal(RetKillProcess, Run(WorkerSeccompFilter.ExportBytes(), AuditArchI386, 20));
    }

    [Fact]
    public void Program_X32Syscall_KillsTheProcess()
    {
        RequireLibseccomp();
        RequireX86_64();
        // x32 shares x86-64's audit arch and sets bit 30 of the number.
        Assert.Equal(RetKillProcess, Run(WorkerSeccompFilter.ExportBytes(), AuditArchX86_64, 0x40000000 | Nr("getpid")));
    }
}
