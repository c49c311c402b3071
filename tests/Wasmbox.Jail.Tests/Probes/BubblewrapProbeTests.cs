using Wasmbox.Jail.Probes;

namespace Wasmbox.Jail.Tests.Probes;

public class BubblewrapProbeTests
{
    private static readonly UserNamespaceFacts RootFacts = new(96365, null, null, IsRoot: true);
    private static readonly CommandResult Ok = new(0, "", "", false, null);

    [Theory]
    [InlineData("bubblewrap 0.8.0\n", "0.8.0")]
    [InlineData("bubblewrap 0.11.0", "0.11.0")]
    [InlineData("bwrap: Unknown option --version", null)]
    [InlineData("", null)]
    public void ParseVersion_VersionOutput_ReturnsNumberOrNull(string output, string? expected) =>
        Assert.Equal(expected, BubblewrapProbe.ParseVersion(output));

    [Fact]
    public void Interpret_TestJailRan_IsAvailable()
    {
        var s = BubblewrapProbe.Interpret("/usr/bin/bwrap", "0.8.0", Ok, RootFacts);
        Assert.True(s.Available);
        Assert.Contains("bubblewrap 0.8.0", s.Detail);
        Assert.Null(s.Fix);
    }

    [Fact]
    public void Interpret_NoPermissionsForNamespace_ReportsErrorLineAndSysctlFix()
    {
        var smoke = new CommandResult(1, "", "\nbwrap: No permissions to create new namespace, likely because the kernel does not allow " +
                                            "non-privileged user namespaces.\n", false, null);
        var facts = new UserNamespaceFacts(15000, UnprivilegedUsernsClone: 0, null, IsRoot: false);

        var s = BubblewrapProbe.Interpret("/usr/bin/bwrap", "0.8.0", smoke, facts);

        Assert.False(s.Available);
        Assert.Contains("bwrap: No permissions to create new namespace", s.Detail);
        Assert.Equal("sysctl -w kernel.unprivileged_userns_clone=1", s.Fix);
    }

    [Fact]
    public void Interpret_AppArmorDeniesUidMap_SuggestsAppArmorSysctl()
    {
        var smoke = new CommandResult(1, "", "bwrap: setting up uid map: Permission denied\n", false, null);
        var facts = new UserNamespaceFacts(15000, null, AppArmorRestrictUnprivileged: 1, IsRoot: false);
        Assert.Equal("sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
                     BubblewrapProbe.Interpret("/usr/bin/bwrap", "0.9.0", smoke, facts).Fix);
    }

    [Fact]
    public void Interpret_TimedOut_IsUnavailableAndSaysSo()
    {
        var s = BubblewrapProbe.Interpret("/usr/bin/bwrap", null, new CommandResult(null, "", "", true, null), RootFacts);
        Assert.False(s.Available);
        Assert.Contains("did not finish within", s.Detail);
        Assert.Contains("(unknown version)", s.Detail);
    }

    [Fact]
    public void Probe_NoBinaryAtPath_IsMissingWithAptFix()
    {
        var s = BubblewrapProbe.Probe("/nonexistent/wasmbox-test/bwrap");
        Assert.False(s.Available);
        Assert.Equal("/nonexistent/wasmbox-test/bwrap not found", s.Detail);
        Assert.Equal("apt-get install -y bubblewrap", s.Fix);
    }

    /// <summary>A stand-in bwrap (a shell script) exercises the real process path: --version, then the test jail's exit and stderr.</summary>
    [Theory]
    [InlineData("exit 0", true, "created all namespaces")]
    [InlineData("echo 'bwrap: Creating new namespace failed: Operation not permitted' >&2; exit 1", false, "bwrap: Creating new namespace failed: Operation not permitted")]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Probe_StandInBwrap_RunsVersionAndTestJail(string testJailBody, bool available, string detailPart)
    {
        LinuxOnly.Require();
        using var dir = new TempDir();
        var source = dir.Write("bwrap.txt", $"#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'bubblewrap 0.8.0'; exit 0; fi\n" +
                                      $"[ \"$1\" = --unshare-all ] || {{ echo 'bwrap: unexpected arguments' >&2; exit 2; }}\n{testJailBody}\n");
        // Why cp in a process of its own: a file this process wrote can still be open for writing in a child another
        // test is forking at that moment (until it execs), and executing it then fails with ETXTBSY (seen in CI: the
        // version call failed, the next call did not). cp's copy was never open in this process.
        var fake = Path.Combine(dir.Path, "bwrap");
        using (var cp = System.Diagnostics.Process.Start("/bin/cp", [source, fake])) cp.WaitForExit();
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var s = BubblewrapProbe.Probe(fake);

        Assert.Equal(available, s.Available);
        Assert.StartsWith($"bubblewrap 0.8.0 at {fake}", s.Detail);
        Assert.Contains(detailPart, s.Detail);
    }

    /// <summary>
    /// The test installs nothing: without /usr/bin/bwrap the probe must say "missing" with the apt-get fix; with it, this
    /// machine (root, user namespaces enabled: linux-jail-facts §0) must be able to build the test jail.
    /// </summary>
    [Fact]
    public void Probe_ThisHost_MatchesWhetherBwrapIsInstalled()
    {
        LinuxOnly.Require();
        var s = BubblewrapProbe.Probe();
        Assert.Equal(Layers.Bubblewrap, s.Layer);
        if (!File.Exists(BubblewrapProbe.DefaultPath))
        {
            Assert.False(s.Available);
            Assert.Equal("apt-get install -y bubblewrap", s.Fix);
            return;
        }
        Assert.True(s.Available, s.Detail);
        Assert.Matches(@"^bubblewrap \d+\.\d+\.\d+ at /usr/bin/bwrap; ", s.Detail);
    }
}
