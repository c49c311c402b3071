using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Wasmbox.Core.Policy;

/// <summary>Which way a network rule lets a socket go: out to a destination (connect, send_to) or bound to a local address.</summary>
public enum NetDirection { Connect, Bind }

/// <summary>
/// One <c>--allow-net</c> rule: <c>[connect|bind:]HOST:PORTS</c>. HOST is a DNS name (<c>api.example.com</c>, or
/// <c>*.example.com</c> for one or more labels in front of <c>example.com</c>), an IPv4 address, an IPv6 address in
/// brackets (<c>[::1]</c>), or a CIDR block (<c>10.0.0.0/8</c>, <c>[fd00::]/8</c>); PORTS is a number, a range
/// (<c>8000-8099</c>) or <c>*</c>. Without a prefix the rule is for connecting.
/// </summary>
/// <param name="Text">The rule as written, for messages and the report.</param>
/// <param name="Name">The DNS name (lowercase, without a trailing dot), or null for an address rule.</param>
/// <param name="Wildcard">For a name: <c>*.</c> in front, so any name with one or more labels before <see cref="Name"/> matches (not the name itself).</param>
/// <param name="Network">For an address rule: the network (a single address has the full prefix length).</param>
public sealed record NetRule(string Text, NetDirection Direction, string? Name, bool Wildcard, IPNetwork? Network, int FirstPort, int LastPort)
{
    /// <summary>Whether the rule is a single address or a CIDR block, written as such (not a name).</summary>
    public bool IsAddress => Network is not null;

    /// <summary>Parses a rule; <see cref="PolicyException"/> says what is wrong and how to write it.</summary>
    /// <param name="source">Where the rule came from, for the message (<c>--allow-net</c>, <c>policy.toml: allow-net</c>).</param>
    public static NetRule Parse(string text, string source = "--allow-net")
    {
        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        void Fail(string why) =>
            throw new PolicyException($"{source} '{text}': {why}; write [connect|bind:]HOST:PORTS, e.g. api.example.com:443, *.example.com:443, 10.0.0.0/8:*, bind:[::1]:8000-8099");

        var rest = text.Trim();
        var direction = NetDirection.Connect;
        if (rest.StartsWith("connect:", StringComparison.Ordinal)) rest = rest["connect:".Length..];
        else if (rest.StartsWith("bind:", StringComparison.Ordinal)) { direction = NetDirection.Bind; rest = rest["bind:".Length..]; }

        var colon = rest.LastIndexOf(':');
        if (colon <= 0 || colon == rest.Length - 1) Fail("no HOST:PORTS");
        var host = rest[..colon];
        var ports = rest[(colon + 1)..];
        if (host.Contains(':') && !host.StartsWith('[')) Fail("an IPv6 address goes in brackets, [::1]");

        if (ParsePorts(ports) is not var (first, last)) Fail($"'{ports}' is not a port, a range a-b or *");

        // An address or a CIDR block: [v6] or [v6]/n, v4 or v4/n.
        var slash = host.IndexOf('/');
        var addressPart = slash < 0 ? host : host[..slash];
        var bracketed = addressPart.StartsWith('[') && addressPart.EndsWith(']');
        if (bracketed) addressPart = addressPart[1..^1];
        if (IPAddress.TryParse(addressPart, out var address) && (bracketed == (address.AddressFamily == AddressFamily.InterNetworkV6))
            && (bracketed || IsDottedQuad(addressPart)))
        {
            var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            var prefix = max;
            if (slash >= 0 && (!int.TryParse(host[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
                Fail($"'{host[(slash + 1)..]}' is not a prefix length from 0 to {max}");
            var network = new IPNetwork(address, prefix);
            if (!network.BaseAddress.Equals(address)) Fail($"{address}/{prefix} has host bits set; the block is {network}");
            return new NetRule(text, direction, null, false, network, first, last);
        }
        if (bracketed || slash >= 0) Fail($"'{host}' is not an address or a CIDR block");

        var wildcard = host.StartsWith("*.", StringComparison.Ordinal);
        var name = (wildcard ? host[2..] : host).TrimEnd('.').ToLowerInvariant();
        if (!IsDnsName(name)) Fail($"'{host}' is not a DNS name (letters, digits and '-' in dot-separated labels; '*.' only in front)");
        return new NetRule(text, direction, name, wildcard, null, first, last);
    }

    /// <summary>Whether the rule's name part matches <paramref name="name"/> (already lowercase, no trailing dot).</summary>
    public bool MatchesName(string name) =>
        Name is not null && (Wildcard
            ? name.Length > Name.Length + 1 && name.EndsWith("." + Name, StringComparison.Ordinal)
            : name == Name);

    public bool MatchesPort(int port) => port >= FirstPort && port <= LastPort;

    /// <summary>
    /// Whether everything <paramref name="other"/> allows, this rule allows too (the daemon's <c>--net-ceiling</c>): the same
    /// direction, <paramref name="other"/>'s ports within these, and its host within this host.
    /// </summary>
    /// <remarks>
    /// <para>Host within host: an address or block inside this block; a name equal to this name or matched by this
    /// wildcard; a wildcard only under a wildcard for the same or a parent domain (<c>*.a.example.com</c> under
    /// <c>*.example.com</c>). A name is never within an address rule, nor an address within a name rule: what a name
    /// resolves to is not known when the rule is checked.</para>
    /// <para>Why the guarded ranges count: a sandbox rule inside one of <see cref="NetPolicy.GuardedRanges"/>
    /// (<c>127.0.0.1:80</c>, <c>10.0.0.0/8:*</c>) opens that range, which a wide rule around it (<c>0.0.0.0/0:*</c>) does not
    /// (<see cref="NetPolicy.Refuses"/>). So such a rule is within this one only when this one lies inside that range too:
    /// an operator's "the internet" ceiling does not let a sandbox name the host's loopback or the metadata service.</para>
    /// </remarks>
    public bool Covers(NetRule other)
    {
        if (other.Direction != Direction || other.FirstPort < FirstPort || other.LastPort > LastPort) return false;
        if (other.Network is { } inner)
        {
            if (Network is not { } outer || !Inside(inner, outer)) return false;
            return NetPolicy.GuardedRanges.All(g => !Inside(inner, g.Range) || Inside(outer, g.Range));
        }
        if (Name is null || other.Name is null) return false;
        if (!other.Wildcard) return MatchesName(other.Name);
        return Wildcard && (other.Name == Name || other.Name.EndsWith("." + Name, StringComparison.Ordinal));
    }

    /// <summary>Whether block <paramref name="inner"/> lies wholly inside block <paramref name="outer"/> (same address family).</summary>
    private static bool Inside(IPNetwork inner, IPNetwork outer) =>
        inner.BaseAddress.AddressFamily == outer.BaseAddress.AddressFamily
        && inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);

    private static (int, int)? ParsePorts(string text)
    {
        if (text == "*") return (1, 65535);
        var dash = text.IndexOf('-');
        if (dash < 0) return Port(text) is { } p ? (p, p) : null;
        return Port(text[..dash]) is { } a && Port(text[(dash + 1)..]) is { } b && a <= b ? (a, b) : null;
    }

    private static int? Port(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535 ? p : null;

    private static bool IsDottedQuad(string text) => text.Count(c => c == '.') == 3 && text.All(c => char.IsAsciiDigit(c) || c == '.');

    private static bool IsDnsName(string name)
    {
        if (name.Length is 0 or > 253) return false;
        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        }
        // All digits and dots is an address a rule wrote wrongly (1.2.3), not a name.
        return !name.All(c => char.IsAsciiDigit(c) || c == '.');
    }
}
