using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Wasmbox.Core.Policy;

namespace Wasmbox.Core.Net;

/// <summary>
/// One sandbox's network policy in use: checks each bind and destination, and resolves names, remembering which name
/// each resolved address came from so that a later connect to that address counts the name's rule.
/// </summary>
/// <remarks>
/// Every layer that enforces the policy holds a guard of its own — the WASI host, the direct opener, the jail's broker —
/// and each remembers only the names it resolved itself. Why: a remembered name widens what an address may reach, so a
/// layer must never take another layer's word for it (a forged broker request naming an allowed host with a private
/// address is judged as a bare address).
/// </remarks>
public sealed class NetGuard(NetPolicy policy)
{
    /// <summary>Names resolved through this guard, kept per sandbox; bounded so a guest resolving in a loop cannot grow it without end.</summary>
    private readonly ConcurrentDictionary<IPAddress, string> _names = new();

    /// <summary>Most addresses remembered; past it the oldest names are not forgotten, new ones are just not recorded (a connect then needs an address rule).</summary>
    public const int MaxRemembered = 4096;

    public NetPolicy Policy { get; } = policy;

    /// <summary>Null when <paramref name="request"/> is allowed; otherwise why not, as one line.</summary>
    public string? Check(SocketRequest request)
    {
        var address = request.EndPoint.Address;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var direction = request.Kind == SocketRequestKind.Bind ? NetDirection.Bind : NetDirection.Connect;
        _names.TryGetValue(address, out var name);
        // Binding to port 0 asks the OS for any free port: allowed when a bind rule allows the address at some port.
        int? port = direction == NetDirection.Bind && request.EndPoint.Port == 0 ? null : request.EndPoint.Port;
        return Policy.Refuses(address, port, direction, direction == NetDirection.Connect ? name : null);
    }

    /// <summary>
    /// Resolves <paramref name="name"/> when a rule could allow it, and keeps the addresses the policy allows (at
    /// <paramref name="port"/>, or any port when null). A literal address is judged as itself.
    /// </summary>
    /// <param name="lookup">The resolver; <see cref="Dns.GetHostAddresses(string)"/> unless a test gives another.</param>
    /// <returns>The allowed addresses, in the resolver's order; <paramref name="refusal"/> says why when none is left.</returns>
    /// <exception cref="SocketException">The resolver failed (no such name, no DNS server).</exception>
    public IReadOnlyList<IPAddress> Resolve(string name, int? port, out string? refusal, Func<string, IPAddress[]>? lookup = null)
    {
        if (Before(name, port, out refusal) is { } decided) return decided;
        var normal = Normal(name);
        return Keep(normal, port, (lookup ?? Dns.GetHostAddresses)(normal), out refusal);
    }

    /// <summary>
    /// <see cref="Resolve"/> with an asynchronous resolver (the broker's, which must not hold a thread while DNS answers).
    /// A name no rule could allow is refused before <paramref name="lookup"/> is called.
    /// </summary>
    /// <exception cref="SocketException">The resolver failed.</exception>
    public async Task<(IReadOnlyList<IPAddress> Addresses, string? Refusal)> ResolveAsync(
        string name, int? port, Func<string, CancellationToken, Task<IPAddress[]>> lookup, CancellationToken cancel)
    {
        if (Before(name, port, out var refusal) is { } decided) return (decided, refusal);
        var normal = Normal(name);
        var found = await lookup(normal, cancel).ConfigureAwait(false);
        var allowed = Keep(normal, port, found, out refusal);
        return (allowed, refusal);
    }

    private static string Normal(string name) => name.TrimEnd('.').ToLowerInvariant();

    /// <summary>The answer without a lookup (a literal address, or a name no rule could allow); null when the name must be looked up.</summary>
    private IReadOnlyList<IPAddress>? Before(string name, int? port, out string? refusal)
    {
        refusal = null;
        if (IPAddress.TryParse(name, out var literal))
        {
            refusal = Policy.Refuses(literal, port, NetDirection.Connect);
            return refusal is null ? [literal] : [];
        }
        var normal = Normal(name);
        if (!Policy.MayResolve(normal))
        {
            refusal = $"resolve {normal}: no --allow-net rule names it";
            return [];
        }
        return null;
    }

    /// <summary>
    /// Keeps the addresses <paramref name="name"/> resolved to elsewhere (the WASI host in a jail gets them from the
    /// broker) that the policy allows, and remembers their name; the rest are dropped with the first reason in
    /// <paramref name="refusal"/> (null when some address is left).
    /// </summary>
    public IReadOnlyList<IPAddress> Admit(string name, IEnumerable<IPAddress> found, int? port, out string? refusal) =>
        Keep(Normal(name), port, found, out refusal);

    /// <summary>The looked-up addresses the policy allows, each remembered with the name.</summary>
    private List<IPAddress> Keep(string normal, int? port, IEnumerable<IPAddress> found, out string? refusal)
    {
        refusal = null;
        var allowed = new List<IPAddress>();
        foreach (var raw in found)
        {
            var address = raw.IsIPv4MappedToIPv6 ? raw.MapToIPv4() : raw;
            var why = Policy.Refuses(address, port, NetDirection.Connect, normal);
            if (why is not null)
            {
                refusal ??= why;
                continue;
            }
            if (_names.Count < MaxRemembered) _names[address] = normal;
            if (!allowed.Contains(address)) allowed.Add(address);
        }
        if (allowed.Count > 0) refusal = null;
        else refusal ??= $"resolve {normal}: the name has no address";
        return allowed;
    }
}
