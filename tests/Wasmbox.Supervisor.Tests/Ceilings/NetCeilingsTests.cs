using Wasmbox.Core.Policy;
using Wasmbox.Supervisor.Ceilings;

namespace Wasmbox.Supervisor.Tests.Ceilings;

/// <summary>Issue 11: the operator's ceilings on the network: <c>--max-connections</c>, <c>--max-net-bytes</c> and <c>--net-ceiling</c>.</summary>
public class NetCeilingsTests
{
    private static SandboxPolicy Allowing(params string[] rules) =>
        SandboxPolicy.DenyAll with { Net = new NetPolicy([.. rules.Select(r => NetRule.Parse(r))]) };

    private static OperatorCeilings NetCeiling(params string[] rules) =>
        new() { NetCeiling = [.. rules.Select(r => NetRule.Parse(r, "--net-ceiling"))] };

    [Fact]
    public void Check_ConnectionsAboveCeiling_NamesValueAndCeiling()
    {
        var ceilings = new OperatorCeilings { MaxConnections = 8 };

        Assert.Equal(new CeilingViolation("--max-connections", "--max-connections 9 is above the operator's ceiling of 8"),
            ceilings.Check(SandboxPolicy.DenyAll with { Limits = SandboxLimits.None with { MaxConnections = 9 } }));
        Assert.Equal("--max-connections is required: the operator allows at most 8", ceilings.Check(SandboxPolicy.DenyAll)?.Message);
        Assert.Null(ceilings.Check(SandboxPolicy.DenyAll with { Limits = SandboxLimits.None with { MaxConnections = 8 } }));
    }

    [Fact]
    public void Check_NetBytesAboveCeiling_NamesValueAndCeiling()
    {
        var ceilings = new OperatorCeilings { MaxNetBytes = 1L << 20 };

        Assert.Equal(new CeilingViolation("--max-net-bytes", "--max-net-bytes 2MiB is above the operator's ceiling of 1MiB"),
            ceilings.Check(SandboxPolicy.DenyAll with { Limits = SandboxLimits.None with { MaxNetBytes = 2L << 20 } }));
        Assert.Equal("--max-net-bytes is required: the operator allows at most 1MiB", ceilings.Check(SandboxPolicy.DenyAll)?.Message);
        Assert.Null(ceilings.Check(SandboxPolicy.DenyAll with { Limits = SandboxLimits.None with { MaxNetBytes = 0 } }));
    }

    [Fact]
    public void Check_NoNetCeiling_PassesEveryRuleUnchanged()
    {
        var policy = Allowing("0.0.0.0/0:*", "127.0.0.1:22", "bind:[::]/0:*");
        Assert.Null(OperatorCeilings.Default.Check(policy, out var resolved));
        Assert.Same(policy.Net, resolved.Net);
    }

    [Fact]
    public void Check_RulesWithinTheCeiling_Pass()
    {
        var ceilings = NetCeiling("*.example.com:443", "203.0.113.0/24:*", "bind:[::1]:8000-8099");
        var policy = Allowing("api.example.com:443", "*.eu.example.com:443", "203.0.113.7:5432", "bind:[::1]:8080");

        Assert.Null(ceilings.Check(policy, out var resolved));
        Assert.Equal(policy.Net.Rules, resolved.Net.Rules);
    }

    [Fact]
    public void Check_NoRulesUnderANetCeiling_Pass() =>
        Assert.Null(NetCeiling("*.example.com:443").Check(SandboxPolicy.DenyAll));

    [Theory]
    [InlineData("api.example.org:443")]        // another domain
    [InlineData("api.example.com:80")]         // another port
    [InlineData("api.example.com:*")]          // wider ports
    [InlineData("bind:api.example.com:443")]   // another direction
    [InlineData("*.com:443")]                  // a wider wildcard
    [InlineData("example.com:443")]            // the parent itself is not under *.example.com
    [InlineData("203.0.0.0/16:80")]            // a wider block
    [InlineData("93.184.216.34:443")]          // an address is not under a name
    public void Check_RuleBeyondTheCeiling_IsRefusedNamingTheRule(string rule)
    {
        var ceilings = NetCeiling("*.example.com:443", "203.0.113.0/24:*");

        var v = ceilings.Check(Allowing("ok.example.com:443", rule));

        Assert.Equal("--net-ceiling", v?.Ceiling);
        Assert.StartsWith($"--allow-net '{rule}': not within the network the operator allows (--net-ceiling *.example.com:443, 203.0.113.0/24:*)", v!.Message);
    }

    [Theory]
    [InlineData("127.0.0.1:8080")]
    [InlineData("10.0.0.0/8:*")]
    [InlineData("169.254.169.254:80")]
    [InlineData("[::1]:22")]
    public void Check_GuardedRuleUnderAWideCeiling_IsRefused(string rule)
    {
        var v = NetCeiling("0.0.0.0/0:*", "[::]/0:*").Check(Allowing(rule));
        Assert.Equal("--net-ceiling", v?.Ceiling);
    }
}
