using System.Runtime.InteropServices;
using Wasmbox.Jail.Probes;

namespace Wasmbox.Jail.Tests.Probes;

public class LandlockProbeTests
{
    [Fact]
    public void Interpret_Abi7_AvailableWithoutTsync()
    {
        var s = LandlockProbe.Interpret(Architecture.X64, 7, 0);
        Assert.True(s.Available);
        Assert.StartsWith("ABI 7; no TSYNC", s.Detail);
    }

    [Fact]
    public void Interpret_Abi8_HasTsync() =>
        Assert.StartsWith("ABI 8; TSYNC available", LandlockProbe.Interpret(Architecture.X64, 8, 0).Detail);

    [Fact]
    public void Interpret_Enosys_NotBuiltIn()
    {
        var s = LandlockProbe.Interpret(Architecture.X64, -1, 38);
        Assert.False(s.Available);
        Assert.Contains("ENOSYS", s.Detail);
    }

    [Fact]
    public void Interpret_NotX64_Unknown()
    {
        var s = LandlockProbe.Interpret(Architecture.Arm64, 0, 0);
        Assert.False(s.Available);
        Assert.StartsWith("unknown", s.Detail);
    }

    [Fact]
    public void Probe_ThisHost_GivesAbiOrReason()
    {
        LinuxOnly.Require();
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64) Assert.Skip("the Landlock probe knows the x86-64 syscall number only");
        var s = LandlockProbe.Probe();
        if (s.Available) Assert.Matches(@"^ABI \d+; ", s.Detail);
        else Assert.Contains("landlock_create_ruleset", s.Detail);
    }
}
