using Wasmbox.Core.Policy;

namespace Wasmbox.Core.Tests.Policy;

/// <summary>
/// Issue 11, the daemon's <c>--net-ceiling</c>: <see cref="NetRule.Covers"/> says a sandbox rule is within an operator's
/// rule only when everything it could open the ceiling opens too: direction, ports, host, and the guarded ranges that a
/// wide ceiling does not open.
/// </summary>
public class NetRuleCoversTests
{
    [Theory]
    // Same rule, narrower ports, narrower blocks.
    [InlineData("api.example.com:443", "api.example.com:443")]
    [InlineData("api.example.com:1-1024", "api.example.com:443")]
    [InlineData("api.example.com:*", "API.example.com.:80-90")]
    [InlineData("*.example.com:443", "api.example.com:443")]
    [InlineData("*.example.com:443", "a.b.example.com:443")]
    [InlineData("*.example.com:443", "*.example.com:443")]
    [InlineData("*.example.com:443", "*.api.example.com:443")]
    [InlineData("0.0.0.0/0:*", "8.8.8.8:53")]
    [InlineData("0.0.0.0/0:*", "0.0.0.0/0:443")]
    [InlineData("203.0.113.0/24:*", "203.0.113.128/25:80")]
    [InlineData("[2001:db8::]/32:*", "[2001:db8:1::]/48:443")]
    [InlineData("bind:[::1]:8000-8099", "bind:[::1]:8080")]
    // A guarded rule under a ceiling that is itself inside that guarded range.
    [InlineData("10.0.0.0/8:*", "10.1.2.3:5432")]
    [InlineData("127.0.0.0/8:*", "127.0.0.1:8080")]
    [InlineData("169.254.169.254:80", "169.254.169.254:80")]
    public void Covers_RuleWithin_IsTrue(string ceiling, string rule) =>
        Assert.True(NetRule.Parse(ceiling).Covers(NetRule.Parse(rule)));

    [Theory]
    // Direction.
    [InlineData("api.example.com:443", "bind:api.example.com:443")]
    [InlineData("bind:0.0.0.0/0:*", "8.8.8.8:53")]
    // Ports: wider, or only overlapping.
    [InlineData("api.example.com:443", "api.example.com:*")]
    [InlineData("api.example.com:400-500", "api.example.com:450-600")]
    [InlineData("api.example.com:443", "api.example.com:444")]
    // Names.
    [InlineData("api.example.com:443", "other.example.com:443")]
    [InlineData("api.example.com:443", "*.api.example.com:443")]
    [InlineData("*.example.com:443", "example.com:443")]              // the wildcard does not match the name itself
    [InlineData("*.example.com:443", "api.badexample.com:443")]
    [InlineData("*.api.example.com:443", "*.example.com:443")]        // a parent wildcard is wider
    [InlineData("*.example.com:443", "*.com:443")]
    [InlineData("example.com:443", "*.example.com:443")]              // a name never covers a wildcard
    // Names and addresses never cover each other: what a name resolves to is not known.
    [InlineData("0.0.0.0/0:*", "api.example.com:443")]
    [InlineData("[::]/0:*", "*.example.com:443")]
    [InlineData("*.example.com:*", "93.184.216.34:443")]
    // Blocks: wider, beside, or of the other family.
    [InlineData("203.0.113.0/25:*", "203.0.113.0/24:*")]
    [InlineData("203.0.113.0/25:*", "203.0.113.200:80")]
    [InlineData("0.0.0.0/0:*", "[2001:db8::1]:443")]
    [InlineData("[::]/0:*", "8.8.8.8:53")]
    // A wide ceiling does not open the guarded ranges, so it does not let a sandbox name one.
    [InlineData("0.0.0.0/0:*", "127.0.0.1:8080")]
    [InlineData("0.0.0.0/0:*", "10.0.0.0/8:*")]
    [InlineData("0.0.0.0/0:*", "169.254.169.254:80")]
    [InlineData("[::]/0:*", "[::1]:22")]
    [InlineData("[::]/0:*", "[fd00::]/8:*")]
    [InlineData("169.254.0.0/16:*", "169.254.169.254:80")]           // link-local is not the metadata address
    [InlineData("bind:0.0.0.0/0:*", "bind:127.0.0.1:8080")]
    public void Covers_RuleBeyond_IsFalse(string ceiling, string rule) =>
        Assert.False(NetRule.Parse(ceiling).Covers(NetRule.Parse(rule)));
}
