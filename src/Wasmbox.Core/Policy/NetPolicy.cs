using System.Net;
using System.Net.Sockets;

namespace Wasmbox.Core.Policy;

/// <summary>
/// The network a sandbox may use: its <c>--allow-net</c> rules, deny by default. Decides for a destination (or a local
/// address to bind) and a port whether a rule allows it, and for a name whether resolving it could lead anywhere.
/// </summary>
/// <remarks>
/// <para>Addresses that reach the host itself or its private networks — loopback, private (RFC 1918), link-local,
/// unique-local, multicast, unspecified, and the cloud metadata addresses — are refused even by a wide rule
/// (<c>0.0.0.0/0:*</c>, or a name that resolves to one) unless a rule names them explicitly: an address or a CIDR block
/// inside that range. Why: a rule meant for "the internet" must not open the metadata service or the host's own
/// services, and a name whose owner points it at 127.0.0.1 (DNS rebinding) must not either.</para>
/// <para>An IPv4-mapped IPv6 address (<c>::ffff:10.0.0.1</c>) is judged as the IPv4 address it carries.</para>
/// </remarks>
public sealed class NetPolicy
{
    /// <summary>The ranges a wide rule does not open; each with the word a refusal uses.</summary>
    public static readonly IReadOnlyList<(IPNetwork Range, string Kind)> GuardedRanges =
    [
        (IPNetwork.Parse("169.254.169.254/32"), "cloud metadata"),
        (IPNetwork.Parse("fd00:ec2::254/128"), "cloud metadata"),
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "private"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fc00::/7"), "unique-local"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
        (IPNetwork.Parse("255.255.255.255/32"), "broadcast"),
    ];

    public NetPolicy(IReadOnlyList<NetRule> rules) => Rules = rules;

    public static NetPolicy None { get; } = new([]);

    public IReadOnlyList<NetRule> Rules { get; }

    /// <summary>True when no rule allows anything: the sandbox has no network.</summary>
    public bool IsNone => Rules.Count == 0;

    /// <summary>Whether some rule for <paramref name="direction"/> could allow an address of <paramref name="name"/>: only then is it resolved.</summary>
    public bool MayResolve(string name, NetDirection direction = NetDirection.Connect)
    {
        var normal = Normal(name);
        return Rules.Any(r => r.Direction == direction && r.MatchesName(normal));
    }

    /// <summary>
    /// Whether <paramref name="address"/>:<paramref name="port"/> is allowed for <paramref name="direction"/>, reached
    /// through <paramref name="name"/> when the guest named it (a name rule then counts); null when allowed, else why not.
    /// A null <paramref name="port"/> asks whether some port of the address is allowed (name resolution, which has no port).
    /// </summary>
    public string? Refuses(IPAddress address, int? port, NetDirection direction, string? name = null)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var guarded = GuardedRanges.FirstOrDefault(g => g.Range.BaseAddress.AddressFamily == address.AddressFamily && g.Range.Contains(address));
        var normal = name is null ? null : Normal(name);
        var verb = direction == NetDirection.Connect ? "connect to" : "bind";
        foreach (var rule in Rules)
        {
            if (rule.Direction != direction || (port is { } p && !rule.MatchesPort(p))) continue;
            if (rule.Network is { } network)
            {
                if (network.BaseAddress.AddressFamily != address.AddressFamily || !network.Contains(address)) continue;
                // A guarded address needs a rule that names it: a block inside the guarded range, not one around it.
                if (guarded.Kind is null || Inside(network, guarded.Range)) return null;
            }
            else if (normal is not null && rule.MatchesName(normal) && guarded.Kind is null) return null;
        }
        var portText = port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "*";
        var target = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{portText}" : $"{address}:{portText}";
        if (normal is not null) target = $"{normal} ({target})";
        return guarded.Kind is { } kind && Rules.Count > 0
            ? $"{verb} {target}: a {kind} address, which only a rule naming that address or a block inside its range allows"
            : $"{verb} {target}: no --allow-net rule allows it";
    }

    private static bool Inside(IPNetwork inner, IPNetwork outer) =>
        inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);

    private static string Normal(string name) => name.TrimEnd('.').ToLowerInvariant();
}
