using System.Runtime.InteropServices;
using static Wasmbox.Jail.Tests.Syscalls.BwrapJail;

namespace Wasmbox.Jail.Tests.Syscalls;

/// <summary>
/// The filter against the real kernel: bubblewrap loads it with <c>--seccomp FD</c> and a jailed perl makes the calls.
/// Each test also runs the call without the filter and expects a different answer there, so a filter that does
/// nothing fails the test. Calls are chosen, as in bubblewrap's try-syscall.c, to fail harmlessly (bad fd, no such
/// process, invalid flags) when they get through.
/// </summary>
public class WorkerSeccompFilterJailTests
{
    private const string EPERM = "1", ESRCH = "3", EBADF = "9", EINVAL = "22", ENOSYS = "38", EOPNOTSUPP = "95";

    private static void RequirePerl()
    {
        Require();
        if (!File.Exists("/usr/bin/perl")) Assert.Skip("/usr/bin/perl is missing; the jailed probes are perl one-liners");
    }

    private static void RequireX86_64()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64) Assert.Skip("calls a foreign ABI of x86-64; this host is not x86-64");
    }

    private static int Nr(string name) => WorkerSeccompFilterTests.Nr(name);

    [Fact]
    public void Jail_WithFilter_SeccompModeIsFilter()
    {
        RequirePerl();
        const string code = "open my $f, '<', '/proc/self/status' or die $!; print map { /^Seccomp:\\s*(\\d+)/ ? $1 : () } <$f>;";
        Assert.Equal("2", Perl(true, code));
        Assert.Equal("0", Perl(false, code));
    }

    [Fact]
    public void Jail_PlainProgram_StillRuns()
    {
        RequirePerl();
        Assert.Equal("ok", Perl(true, "print 'ok'"));
    }

    [Fact]
    public void Socket_AfInet_DeniedWithEperm()
    {
        RequirePerl();
        // AF_INET, AF_INET6 and AF_NETLINK, SOCK_STREAM or SOCK_DGRAM: errno, or "ok" when the socket was made.
        const string code = "print join ',', map { socket(my $s, $_->[0], $_->[1], 0) ? 'ok' : $!+0 } [2, 1], [10, 1], [16, 2];";
        Assert.Equal($"{EPERM},{EPERM},{EPERM}", Perl(true, code));
        Assert.Equal("ok,ok,ok", Perl(false, code));
    }

    [Fact]
    public void Socket_AfUnix_Allowed()
    {
        RequirePerl();
        Assert.Equal("ok", Perl(true, "print socket(my $s, 1, 1, 0) ? 'ok' : $!+0;"));
    }

    [Fact]
    public void Socketpair_AfInetDenied_AfUnixAllowed()
    {
        RequirePerl();
        const string code = "print join ',', map { socketpair(my $a, my $b, $_, 1, 0) ? 'ok' : $!+0 } 2, 1;";
        Assert.Equal($"{EPERM},ok", Perl(true, code));
        Assert.Equal($"{EOPNOTSUPP},ok", Perl(false, code));
    }

    [Fact]
    public void Ptrace_Attach_DeniedWithEperm()
    {
        RequirePerl();
        // PTRACE_ATTACH (16) to pid -1: "no such process" when the call reaches the kernel.
        var code = $"print syscall({Nr("ptrace")}, 16, -1, 0, 0) == -1 ? $!+0 : 'attached';";
        Assert.Equal(EPERM, Perl(true, code));
        Assert.Equal(ESRCH, Perl(false, code));
    }

    [Fact]
    public void Unshare_UserNamespace_DeniedAndNamespaceUnchanged()
    {
        RequirePerl();
        var code = "my $before = readlink '/proc/self/ns/user'; " +
                   $"my $r = syscall({Nr("unshare")}, 0x10000000); my $e = $!+0; " +
                   "print $r == -1 ? $e : 0, ' ', readlink('/proc/self/ns/user') eq $before ? 'same' : 'changed';";
        Assert.Equal($"{EPERM} same", Perl(true, code));
        Assert.Equal("0 changed", Perl(false, code));
    }

    [Fact]
    public void UnshareCommand_NewUserNamespace_FailsWithOperationNotPermitted()
    {
        Require();
        if (!File.Exists("/usr/bin/unshare")) Assert.Skip("/usr/bin/unshare (util-linux) is missing");
        // `unshare -n` would fail in this jail even without the filter (no CAP_SYS_ADMIN); a user namespace would not.
        var denied = Run(true, "/usr/bin/unshare", "-U", "/usr/bin/true");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("Operation not permitted", denied.Stderr);
        var allowed = Run(false, "/usr/bin/unshare", "-U", "/usr/bin/true");
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
    }

    [Fact]
    public void Clone_EachNamespaceFlag_DeniedWithEperm()
    {
        RequirePerl();
        // With CLONE_THREAD but no CLONE_SIGHAND the kernel answers EINVAL before creating anything.
        var code = "print join ',', map { syscall(" + Nr("clone") + ", $_ | 0x10000, 0, 0, 0, 0) == -1 ? $!+0 : 'cloned' } " +
                   "0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000;";
        Assert.Equal(string.Join(',', Enumerable.Repeat(EPERM, 7)), Perl(true, code));
        Assert.Equal(string.Join(',', Enumerable.Repeat(EINVAL, 7)), Perl(false, code));
    }

    [Fact]
    public void Fork_WithFilter_ChildRunsAndExits()
    {
        RequirePerl();
        Assert.Equal("7", Perl(true, "my $p = fork // die $!; exit 7 if $p == 0; waitpid $p, 0; print $? >> 8;"));
    }

    [Fact]
    public void Clone3_AnswersEnosys()
    {
        RequirePerl();
        var code = $"print syscall({Nr("clone3")}, 0, 0) == -1 ? $!+0 : 'cloned';";
        Assert.Equal(ENOSYS, Perl(true, code));
        Assert.Equal(EINVAL, Perl(false, code));
    }

    [Fact]
    public void Threads_PerlWithClone3Enosys_StillStart()
    {
        RequirePerl();
        const string code = "use threads; print join ',', map { $_->join } map { my $n = $_; threads->create(sub { $n * 2 }) } 1 .. 4;";
        Assert.Equal("2,4,6,8", Perl(true, code));
    }

    [Fact]
    public void Threads_PythonWithClone3Enosys_StillStart()
    {
        Require();
        if (!File.Exists("/usr/bin/python3")) Assert.Skip("/usr/bin/python3 is missing");
        var run = Run(true, "/usr/bin/python3", "-c",
                      "import threading\nout = []\nts = [threading.Thread(target=out.append, args=(i,)) for i in range(8)]\n" +
                      "[t.start() for t in ts]; [t.join() for t in ts]\nprint(sorted(out))");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("[0, 1, 2, 3, 4, 5, 6, 7]", run.Stdout.Trim());
    }

    [Fact]
    public void Threads_DotnetRuntimeWithClone3Enosys_Starts()
    {
        Require();
        const string dotnet = "/usr/bin/dotnet";
        if (!File.Exists(dotnet)) Assert.Skip($"{dotnet} is missing");
        // --info runs the SDK's managed code, so CoreCLR starts its threads (finalizer, tiered JIT, thread pool).
        // The SDK writes first-run files under HOME, which the read-only host view refuses; give it a tmpfs.
        var run = Run(true, ["--tmpfs", "/tmp", "--setenv", "HOME", "/tmp"], dotnet, "--info");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(".NET SDK", run.Stdout);
    }

    [Fact]
    public void Ioctl_TiocstiAndTioclinux_DeniedWithEperm_OtherRequestsReachTheKernel()
    {
        RequirePerl();
        // On fd -1 the kernel answers EBADF; the filter answers first. TIOCSTI, TIOCSTI with high bits, TIOCLINUX, TIOCGWINSZ.
        var code = $"print join ',', map {{ syscall({Nr("ioctl")}, -1, $_, 0) == -1 ? $!+0 : 'done' }} " +
                   "0x5412, 0xABCD00005412, 0x541C, 0x5413;";
        Assert.Equal($"{EPERM},{EPERM},{EPERM},{EBADF}", Perl(true, code));
        Assert.Equal($"{EBADF},{EBADF},{EBADF},{EBADF}", Perl(false, code));
    }

    [Fact]
    public void Personality_QueryAllowed_ChangeDeniedAndPersonaUnchanged()
    {
        RequirePerl();
        var nr = Nr("personality");
        // Query, try ADDR_NO_RANDOMIZE (0x0040000), query again.
        var code = $"my $q = syscall({nr}, 0xffffffff); my $r = syscall({nr}, 0x0040000); my $e = $!+0; " +
                   $"printf '%x %s %x', $q, $r == -1 ? \"err$e\" : 'set', syscall({nr}, 0xffffffff);";
        Assert.Equal($"0 err{EPERM} 0", Perl(true, code));
        Assert.Equal("0 set 40000", Perl(false, code));
    }

    [Fact]
    public void Openat2_ResolveBeneath_StaysAllowed()
    {
        RequirePerl();
        // struct open_how { u64 flags = O_RDONLY|O_DIRECTORY; u64 mode; u64 resolve = RESOLVE_BENEATH }, dirfd AT_FDCWD.
        // perl's syscall passes strings as pointers and wants them in variables, not literals.
        var code = "my $how = pack 'QQQ', 0x10000, 0, 0x08; my $path = '.'; " +
                   $"my $fd = syscall({Nr("openat2")}, -100, $path, $how, 24); print $fd >= 0 ? 'opened' : $!+0;";
        Assert.Equal("opened", Perl(true, code));
    }

    [Fact]
    public void X32Syscall_KillsTheWorker()
    {
        RequirePerl();
        RequireX86_64();
        // getpid through the x32 ABI (bit 30 set). This kernel may lack x32 (ENOSYS) or have it (a pid); either way it reaches the kernel.
        var code = $"my $r = syscall(0x40000000 | {Nr("getpid")}); print $r == -1 ? $!+0 : 'pid';";
        var killed = Run(true, "/usr/bin/perl", "-e", code);
        Assert.True(killed.ExitCode == 128 + 31, $"expected death by SIGSYS (159): {killed}");
        Assert.Equal("", killed.Stdout);
        Assert.Contains(Perl(false, code), new[] { ENOSYS, "pid" });
    }

    [Fact]
    public void I386Syscall_KillsTheWorker()
    {
        Require();
        RequireX86_64();
        if (!File.Exists("/usr/bin/python3")) Assert.Skip("/usr/bin/python3 is missing; it runs the int 0x80 machine code");
        // mov eax, 20 (i386 getpid); int 0x80; ret, run from an executable page through ctypes.
        const string code = "import ctypes, mmap\n" +
                            "m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n" +
                            "m.write(bytes([0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xc3]))\n" +
                            "f = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(m)))\n" +
                            "print('returned', f())";
        var unfiltered = Run(false, "/usr/bin/python3", "-c", code);
        if (unfiltered.ExitCode != 0) Assert.Skip($"this kernel does not run i386 syscalls from a 64-bit process (ia32_emulation off?): {unfiltered}");
        Assert.StartsWith("returned ", unfiltered.Stdout);
        var killed = Run(true, "/usr/bin/python3", "-c", code);
        Assert.True(killed.ExitCode == 128 + 31, $"expected death by SIGSYS (159): {killed}");
        Assert.DoesNotContain("returned", killed.Stdout);
    }
}
