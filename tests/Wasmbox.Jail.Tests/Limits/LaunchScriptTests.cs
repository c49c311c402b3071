using Wasmbox.Jail.Limits;

namespace Wasmbox.Jail.Tests.Limits;

/// <summary>The launch script run by the real /bin/sh (dash on Debian), with temp files standing in for cgroup.procs.</summary>
public class LaunchScriptTests
{
    private const string ShowLimits = "ulimit -Sn; ulimit -Hn; ulimit -Sf; ulimit -Hf; ulimit -Sc; ulimit -Hc; ulimit -St; ulimit -Ht; echo $$";

    private static void RequireSh()
    {
        LinuxOnly.Require();
        if (!File.Exists("/bin/sh")) Assert.Skip("runs the launch script with /bin/sh, which this host lacks");
    }

    [Fact]
    public void Build_RunByShell_JoinsEveryProcsFileSetsSoftAndHardLimitsAndExecs()
    {
        RequireSh();
        using var dir = new TempDir();
        var procs = new[] { dir.Write("a/cgroup.procs", ""), dir.Write("b/cgroup.procs", "") };

        var script = LaunchScript.Build(procs, new ProcessRlimits(100, 1_000_000, 7));
        var (exit, stdout, stderr) = Launch.Run(script, ["/bin/sh", "-c", ShowLimits]);

        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // 1,000,000 bytes is 1953.125 blocks of 512: rounded down, so the limit is 999,936 bytes, never more than asked.
        Assert.Equal(["100", "100", "1953", "1953", "0", "0", "7", "7"], lines[..8]);
        // exec keeps the pid: what the script wrote into each cgroup.procs is the program's own pid.
        Assert.All(procs, p => Assert.Equal(lines[8], File.ReadAllText(p).Trim()));
    }

    [Fact]
    public void Build_NoRlimits_CoreStillZeroOthersInherited()
    {
        RequireSh();
        var (exit, stdout, _) = Launch.Run(LaunchScript.Build([], ProcessRlimits.None), ["/bin/sh", "-c", "ulimit -Hc; ulimit -Hf"]);

        Assert.Equal(0, exit);
        Assert.Equal(["0", "unlimited"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Build_FileSizeLimit_WriteBeyondItFailsWithEfbigAtTheLimit()
    {
        RequireSh();
        using var dir = new TempDir();
        var target = dir.File("out");

        var (exit, _, stderr) = Launch.Run(LaunchScript.Build([], new ProcessRlimits(null, 1024, null)),
            ["/bin/sh", "-c", $"head -c 4000 /dev/zero > '{target}'"]);

        // SIGXFSZ is ignored, so the writer is not killed (128 + 25) but told: EFBIG, "File too large".
        Assert.InRange(exit, 1, 127);
        Assert.Contains("File too large", stderr);
        Assert.Equal(1024, new FileInfo(target).Length);
    }

    [Theory]
    [InlineData(511UL, 0UL)]
    [InlineData(512UL, 1UL)]
    [InlineData(1023UL, 1UL)]
    [InlineData(1UL << 40, 1UL << 31)]
    public void Build_FileSize_RoundedDownToWholeBlocks(ulong bytes, ulong blocks)
    {
        var script = LaunchScript.Build([], new ProcessRlimits(null, bytes, null));
        Assert.Contains($"\nulimit -f {blocks} ||", script);
    }

    [Fact]
    public void Build_ProcsFileUnwritable_Exits125AndProgramNeverRuns()
    {
        RequireSh();
        using var dir = new TempDir();
        var marker = dir.File("ran");
        var missing = dir.File("no-such-cgroup/cgroup.procs");

        var (exit, _, stderr) = Launch.Run(LaunchScript.Build([missing], ProcessRlimits.None), ["/bin/sh", "-c", $"echo ran > '{marker}'"]);

        Assert.Equal(LaunchScript.SetupFailedExitCode, exit);
        Assert.Contains($"wasmbox: cannot join cgroup {missing}", stderr);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Build_SecondProcsFileFails_NoExecEvenThoughTheFirstWorked()
    {
        RequireSh();
        using var dir = new TempDir();
        var marker = dir.File("ran");
        var first = dir.Write("a/cgroup.procs", "");
        // A directory where a file should be: the redirection fails (EISDIR).
        var second = dir.Dir("b/cgroup.procs");

        var (exit, _, stderr) = Launch.Run(LaunchScript.Build([first, second], ProcessRlimits.None), ["/bin/sh", "-c", $"echo ran > '{marker}'"]);

        Assert.Equal(125, exit);
        Assert.Contains("cannot join cgroup", stderr);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Build_QuotesAndDollarsInPath_WrittenLiterally()
    {
        RequireSh();
        using var dir = new TempDir();
        var odd = dir.Write("it's $HOME `id` \"q\"/cgroup.procs", "");

        var (exit, stdout, stderr) = Launch.Run(LaunchScript.Build([odd], ProcessRlimits.None), ["/bin/sh", "-c", "echo $$"]);

        Assert.True(exit == 0, stderr);
        Assert.Equal(stdout.Trim(), File.ReadAllText(odd).Trim());
    }

    [Fact]
    public void Build_NoProgramGiven_Exits125()
    {
        RequireSh();
        var (exit, _, stderr) = Launch.Run(LaunchScript.Build([], ProcessRlimits.None), []);

        Assert.Equal(125, exit);
        Assert.Contains("no program to run", stderr);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Build_HardLimitCannotBeRaised_Exits125AndProgramNeverRuns()
    {
        RequireSh();
        if (Interop.Sys.Geteuid() != 0) Assert.Skip("needs root to drop to another user with setpriv, so that raising a hard limit fails");
        if (!File.Exists("/usr/bin/setpriv") || !File.Exists("/usr/bin/prlimit")) Assert.Skip("needs setpriv and prlimit (util-linux)");
        using var dir = new TempDir();
        // World-writable, so that only the script's refusal can keep the marker from appearing.
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_111_111);
        var marker = dir.File("ran");

        (int, string, string) Unprivileged(ulong openFiles) => Launch.Run("exec \"$@\"",
            ["/usr/bin/prlimit", "--nofile=100:100", "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             "/bin/sh", "-c", LaunchScript.Build([], new ProcessRlimits(openFiles, null, null)), "sh", "/bin/sh", "-c", $"echo ran > '{marker}'"]);

        // Control: lowering works for the same unprivileged chain, and the program can write the marker.
        Assert.Equal(0, Unprivileged(64).Item1);
        Assert.True(File.Exists(marker));
        File.Delete(marker);

        // An unprivileged shell whose hard NOFILE is 100 asks for 1024: setrlimit says EPERM.
        var (exit, _, stderr) = Unprivileged(1024);

        Assert.Equal(125, exit);
        Assert.Contains("cannot set RLIMIT_NOFILE to 1024", stderr);
        Assert.False(File.Exists(marker));
    }

    [Theory]
    [InlineData(63UL, null, null)]
    [InlineData((1UL << 20) + 1, null, null)]
    [InlineData(null, (ulong)long.MaxValue + 1, null)]
    [InlineData(null, null, 0UL)]
    [InlineData(null, null, (ulong)uint.MaxValue + 1)]
    public void Build_LimitOutOfRange_ArgumentOutOfRange(ulong? files, ulong? size, ulong? cpu)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LaunchScript.Build([], new ProcessRlimits(files, size, cpu)));
    }

    [Theory]
    [InlineData("relative/cgroup.procs")]
    [InlineData("/a\0b")]
    public void Build_BadProcsPath_ArgumentException(string path)
    {
        Assert.Throws<ArgumentException>(() => LaunchScript.Build([path], ProcessRlimits.None));
    }
}
