using System.Text.Json;
using Wasmbox.Core.Policy;

namespace Wasmbox.Core.Tests.Policy;

/// <summary>
/// Issue 11, policy plumbing: <c>allow-net</c>, <c>max-connections</c> and <c>max-net-bytes</c> read the same from a
/// flag, a TOML file and the daemon's JSON, flags add rules after the file's, and every bad value is refused naming
/// where it was written.
/// </summary>
public class NetSettingsTests
{
    private static readonly Func<string, string?> NoHostEnv = _ => null;

    private static SandboxPolicy Build(PolicySettings settings) => settings.Build(NoHostEnv, new StdinSource.None());

    [Fact]
    public void Build_NoRule_HasNoNetworkAndNoNetLimits()
    {
        var policy = Build(new PolicySettings());
        Assert.True(policy.Net.IsNone);
        Assert.Same(NetPolicy.None, policy.Net);
        Assert.Null(policy.Limits.MaxConnections);
        Assert.Null(policy.Limits.MaxNetBytes);
    }

    [Fact]
    public void Parse_FileWithNetKeys_BuildsRulesAndLimits()
    {
        var policy = Build(PolicyFile.Parse("""
            allow-net = ["api.example.com:443", "bind:[::1]:8000-8099"]
            max-connections = 8
            max-net-bytes = "10MiB"
            """, "policy.toml", "/"));

        Assert.Equal(["api.example.com:443", "bind:[::1]:8000-8099"], policy.Net.Rules.Select(r => r.Text));
        Assert.Equal(NetDirection.Bind, policy.Net.Rules[1].Direction);
        Assert.Equal(8, policy.Limits.MaxConnections);
        Assert.Equal(10L << 20, policy.Limits.MaxNetBytes);
    }

    [Fact]
    public void Parse_FileWithOneRuleAsAString_IsAListOfOne()
    {
        var policy = Build(PolicyFile.Parse("allow-net = \"10.0.0.0/8:*\"", "policy.toml", "/"));
        Assert.Equal("10.0.0.0/8", Assert.Single(policy.Net.Rules).Network.ToString());
    }

    [Fact]
    public void Parse_FileMaxNetBytesAsANumber_IsBytes()
    {
        var policy = Build(PolicyFile.Parse("max-net-bytes = 4096\nmax-connections = \"0\"", "policy.toml", "/"));
        Assert.Equal(4096, policy.Limits.MaxNetBytes);
        Assert.Equal(0, policy.Limits.MaxConnections);
    }

    [Fact]
    public void Build_BadRuleInAFile_NamesTheFileTheKeyAndItsPlace()
    {
        var settings = PolicyFile.Parse("""allow-net = ["api.example.com:443", "10.0.0.0/33:*"]""", "policy.toml", "/");
        var e = Assert.Throws<PolicyException>(() => Build(settings));
        Assert.StartsWith("policy.toml: allow-net[1] '10.0.0.0/33:*': ", e.Message);
        Assert.Contains("write [connect|bind:]HOST:PORTS", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Build_BadRuleFromAFlag_NamesTheFlag()
    {
        var settings = new PolicySettings();
        settings.AllowNet.Add(new SettingText("example.com", "--allow-net", "/"));
        var e = Assert.Throws<PolicyException>(() => Build(settings));
        Assert.StartsWith("--allow-net 'example.com': ", e.Message);
    }

    [Theory]
    [InlineData("allow-net = [443]", "policy.toml: allow-net: expected a list of strings")]
    [InlineData("allow-net = true", "policy.toml: allow-net: expected a list of strings")]
    [InlineData("max-connections = 1.5", "policy.toml: max-connections: expected a string or a whole number")]
    [InlineData("max-net-bytes = [1]", "policy.toml: max-net-bytes: expected a string or a whole number")]
    public void Parse_WrongShape_IsRefusedNamingTheKey(string toml, string start)
    {
        var e = Assert.Throws<PolicyException>(() => PolicyFile.Parse(toml, "policy.toml", "/"));
        Assert.StartsWith(start, e.Message);
    }

    [Theory]
    [InlineData("max-connections = -1", "policy.toml: max-connections: '-1' is not a whole number")]
    [InlineData("max-connections = \"many\"", "policy.toml: max-connections: 'many' is not a whole number")]
    [InlineData("max-connections = 99999999999", "policy.toml: max-connections: ")]
    [InlineData("max-net-bytes = \"-5\"", "policy.toml: max-net-bytes: ")]
    [InlineData("max-net-bytes = \"lots\"", "policy.toml: max-net-bytes: ")]
    [InlineData("max-net-bytes = \"99999999EiB\"", "policy.toml: max-net-bytes: ")]
    public void Build_BadLimit_IsRefusedNamingTheKey(string toml, string start)
    {
        var settings = PolicyFile.Parse(toml, "policy.toml", "/");
        var e = Assert.Throws<PolicyException>(() => Build(settings));
        Assert.StartsWith(start, e.Message);
    }

    [Fact]
    public void OverlaidWith_FlagRules_AreAddedAfterTheFilesAndFlagLimitsReplaceTheFiles()
    {
        var file = PolicyFile.Parse("""
            allow-net = ["a.example.com:443"]
            max-connections = 8
            max-net-bytes = "1MiB"
            """, "policy.toml", "/");
        var flags = new PolicySettings { MaxConnections = new SettingText("2", "--max-connections", "/") };
        flags.AllowNet.Add(new SettingText("b.example.com:443", "--allow-net", "/"));

        var policy = Build(file.OverlaidWith(flags));

        Assert.Equal(["a.example.com:443", "b.example.com:443"], policy.Net.Rules.Select(r => r.Text));
        Assert.Equal(2, policy.Limits.MaxConnections);
        Assert.Equal(1L << 20, policy.Limits.MaxNetBytes); // not set by a flag: the file's stands
    }

    [Fact]
    public void FromJson_NetKeys_ReadAsTheFileDoes()
    {
        using var doc = JsonDocument.Parse("""{"allow-net": ["*.example.com:443"], "max-connections": 4, "max-net-bytes": "64KiB"}""");
        var policy = Build(PolicyFile.FromJson(doc.RootElement, "policy", "/"));
        Assert.True(Assert.Single(policy.Net.Rules).Wildcard);
        Assert.Equal(4, policy.Limits.MaxConnections);
        Assert.Equal(64L << 10, policy.Limits.MaxNetBytes);
    }

    [Fact]
    public void FromJson_BadRule_NamesTheRequestKeyAndPlace()
    {
        using var doc = JsonDocument.Parse("""{"allow-net": ["ok.example.com:443", "ok.example.com:443", "[::1]:0"]}""");
        var settings = PolicyFile.FromJson(doc.RootElement, "policy", "/");
        var e = Assert.Throws<PolicyException>(() => Build(settings));
        Assert.StartsWith("policy: allow-net[2] '[::1]:0': ", e.Message);
    }

    [Fact]
    public void Keys_ListTheNetKeys()
    {
        Assert.Contains("allow-net", PolicyFile.Keys);
        Assert.Contains("max-connections", PolicyFile.Keys);
        Assert.Contains("max-net-bytes", PolicyFile.Keys);
    }
}
