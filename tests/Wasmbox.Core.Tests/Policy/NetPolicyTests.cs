using System.Net;
using Wasmbox.Core.Policy;

namespace Wasmbox.Core.Tests.Policy;

/// <summary>
/// Issue 11 item 2, the policy layer: <c>--allow-net</c> rules parse as documented (or are refused saying how to write
/// them), and a destination is allowed only by a rule for its direction and port, never by a wide rule when it is a
/// loopback, private, link-local, unique-local, multicast or cloud-metadata address.
/// </summary>
public class NetPolicyTests
{
    private static NetPolicy Policy(params string[] rules) => new([.. rules.Select(r => NetRule.Parse(r))]);

    [Theory]
    [InlineData("api.example.com:443", "connect", "api.example.com", false, null, 443, 443)]
    [InlineData("connect:API.Example.COM.:443", "connect", "api.example.com", false, null, 443, 443)]
    [InlineData("*.example.com:8000-8099", "connect", "example.com", true, null, 8000, 8099)]
    [InlineData("bind:127.0.0.1:8080", "bind", null, false, "127.0.0.1/32", 8080, 8080)]
    [InlineData("10.0.0.0/8:*", "connect", null, false, "10.0.0.0/8", 1, 65535)]
    [InlineData("[::1]:22", "connect", null, false, "::1/128", 22, 22)]
    [InlineData("[fd00::]/8:53", "connect", null, false, "fd00::/8", 53, 53)]
    [InlineData("bind:[::]/0:1-1024", "bind", null, false, "::/0", 1, 1024)]
    public void Parse_Accepts(string text, string direction, string? name, bool wildcard, string? network, int first, int last)
    {
        var rule = NetRule.Parse(text);
        Assert.Equal(direction, rule.Direction.ToString().ToLowerInvariant());
        Assert.Equal(name, rule.Name);
        Assert.Equal(wildcard, rule.Wildcard);
        Assert.Equal(network, rule.Network?.ToString());
        Assert.Equal((first, last), (rule.FirstPort, rule.LastPort));
    }

    [Theory]
    [InlineData("example.com")]            // no port
    [InlineData("example.com:")]
    [InlineData(":443")]
    [InlineData("example.com:0")]
    [InlineData("example.com:65536")]
    [InlineData("example.com:99-10")]
    [InlineData("example.com:http")]
    [InlineData("::1:22")]                 // IPv6 without brackets
    [InlineData("[example.com]:22")]
    [InlineData("10.0.0.0/33:*")]
    [InlineData("10.0.0.1/8:*")]           // host bits set
    [InlineData("[fd00::]/129:*")]
    [InlineData("1.2.3:80")]               // a mistyped address is not a name
    [InlineData("exa mple.com:80")]
    [InlineData("-bad.com:80")]
    [InlineData("a.*.com:80")]
    [InlineData("*.:80")]
    [InlineData("listen:1.2.3.4:80")]
    public void Parse_Refuses_SayingHowToWriteIt(string text)
    {
        var e = Assert.Throws<PolicyException>(() => NetRule.Parse(text));
        Assert.StartsWith($"--allow-net '{text}': ", e.Message);
        Assert.Contains("write [connect|bind:]HOST:PORTS", e.Message);
    }

    [Fact]
    public void Default_AllowsNothing()
    {
        Assert.True(NetPolicy.None.IsNone);
        Assert.NotNull(NetPolicy.None.Refuses(IPAddress.Parse("93.184.216.34"), 443, NetDirection.Connect));
        Assert.False(NetPolicy.None.MayResolve("example.com"));
    }

    [Theory]
    [InlineData("93.184.216.34:443", "93.184.216.34", 443, true)]
    [InlineData("93.184.216.34:443", "93.184.216.34", 444, false)]
    [InlineData("93.184.216.34:443", "93.184.216.35", 443, false)]
    [InlineData("93.184.0.0/16:*", "93.184.216.34", 1, true)]
    [InlineData("93.184.0.0/16:*", "93.185.0.1", 80, false)]
    [InlineData("[2606:2800::]/32:443", "2606:2800:220:1::1", 443, true)]
    [InlineData("[2606:2800::]/32:443", "2606:2801::1", 443, false)]
    [InlineData("93.184.216.34:443", "::ffff:93.184.216.34", 443, true)] // IPv4-mapped: judged as IPv4
    public void Addresses_AllowedOnlyByAMatchingRuleAndPort(string rule, string address, int port, bool allowed)
    {
        var why = Policy(rule).Refuses(IPAddress.Parse(address), port, NetDirection.Connect);
        Assert.Equal(allowed, why is null);
    }

    [Theory]
    [InlineData("0.0.0.0/0:*", "127.0.0.1", "loopback")]
    [InlineData("0.0.0.0/0:*", "10.1.2.3", "private")]
    [InlineData("0.0.0.0/0:*", "172.16.0.1", "private")]
    [InlineData("0.0.0.0/0:*", "192.168.1.1", "private")]
    [InlineData("0.0.0.0/0:*", "169.254.169.254", "cloud metadata")]
    [InlineData("0.0.0.0/0:*", "169.254.1.1", "link-local")]
    [InlineData("0.0.0.0/0:*", "224.0.0.1", "multicast")]
    [InlineData("0.0.0.0/0:*", "0.0.0.0", "unspecified")]
    [InlineData("[::]/0:*", "::1", "loopback")]
    [InlineData("[::]/0:*", "fd00:ec2::254", "cloud metadata")]
    [InlineData("[::]/0:*", "fd12::1", "unique-local")]
    [InlineData("[::]/0:*", "fe80::1", "link-local")]
    [InlineData("[::]/0:*", "ff02::1", "multicast")]
    [InlineData("[::]/0:*", "::ffff:127.0.0.1", "loopback")]
    [InlineData("169.254.0.0/16:*", "169.254.169.254", "cloud metadata")] // a link-local block is not the metadata address
    [InlineData("10.0.0.0/7:*", "10.0.0.1", "private")]                     // a block around the private range does not name it
    public void GuardedAddresses_RefusedByAWideRule_NamingWhy(string rule, string address, string kind)
    {
        var why = Policy(rule).Refuses(IPAddress.Parse(address), 80, NetDirection.Connect);
        Assert.NotNull(why);
        Assert.Contains($"a {kind} address", why);
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "127.0.0.1")]
    [InlineData("127.0.0.0/8:8080", "127.0.0.2")]
    [InlineData("10.1.0.0/16:8080", "10.1.2.3")]
    [InlineData("169.254.169.254:8080", "169.254.169.254")]
    [InlineData("[::1]:8080", "::1")]
    [InlineData("[fd00::]/8:8080", "fd12::1")]
    public void GuardedAddresses_AllowedByARuleThatNamesThem(string rule, string address)
    {
        Assert.Null(Policy(rule).Refuses(IPAddress.Parse(address), 8080, NetDirection.Connect));
    }

    [Fact]
    public void Names_ResolvedOnlyWhenARuleCouldAllowThem_AndEveryAddressCheckedAgain()
    {
        var policy = Policy("api.example.com:443", "*.cdn.example.net:443");
        Assert.True(policy.MayResolve("api.example.com"));
        Assert.True(policy.MayResolve("API.EXAMPLE.COM."));
        Assert.True(policy.MayResolve("a.b.cdn.example.net"));
        Assert.False(policy.MayResolve("cdn.example.net")); // the wildcard needs at least one label in front
        Assert.False(policy.MayResolve("evil.com"));
        Assert.False(policy.MayResolve("api.example.com.evil.com"));

        Assert.Null(policy.Refuses(IPAddress.Parse("93.184.216.34"), 443, NetDirection.Connect, "api.example.com"));
        Assert.NotNull(policy.Refuses(IPAddress.Parse("93.184.216.34"), 443, NetDirection.Connect)); // the address alone is no rule's
        Assert.NotNull(policy.Refuses(IPAddress.Parse("93.184.216.34"), 80, NetDirection.Connect, "api.example.com"));
        // DNS rebinding: the allowed name pointed at the host's loopback or metadata service gets nothing.
        var rebound = policy.Refuses(IPAddress.Parse("127.0.0.1"), 443, NetDirection.Connect, "api.example.com");
        Assert.NotNull(rebound);
        Assert.Contains("api.example.com (127.0.0.1:443)", rebound);
        Assert.NotNull(policy.Refuses(IPAddress.Parse("169.254.169.254"), 443, NetDirection.Connect, "x.cdn.example.net"));
    }

    [Fact]
    public void Directions_AreSeparate()
    {
        var policy = Policy("bind:127.0.0.1:8000-8099", "93.184.216.34:443");
        Assert.Null(policy.Refuses(IPAddress.Parse("127.0.0.1"), 8001, NetDirection.Bind));
        Assert.NotNull(policy.Refuses(IPAddress.Parse("127.0.0.1"), 8001, NetDirection.Connect));
        Assert.NotNull(policy.Refuses(IPAddress.Parse("93.184.216.34"), 443, NetDirection.Bind));
        Assert.Null(policy.Refuses(IPAddress.Parse("93.184.216.34"), 443, NetDirection.Connect));
    }
}
