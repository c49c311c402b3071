using System.Net;
using System.Net.Sockets;

namespace Wasmbox.Core.Net;

/// <summary>What a jailed worker asks its parent's broker for.</summary>
public enum BrokerOp : byte
{
    /// <summary>A socket with its connection started (TCP) or its peer set (UDP); the socket comes back with SCM_RIGHTS.</summary>
    Connect = 1,
    /// <summary>A socket bound to a local address; the socket comes back with SCM_RIGHTS.</summary>
    Bind = 2,
    /// <summary>The addresses of a name that the policy allows connecting to.</summary>
    Resolve = 3,
}

/// <summary>How the broker answered.</summary>
public enum BrokerStatus : byte
{
    /// <summary>Done: the socket is attached (open), or the addresses are in the reply (resolve).</summary>
    Ok = 0,
    /// <summary>The broker's own policy check said no; the reason is one line.</summary>
    Refused = 1,
    /// <summary>The host refused (socket, bind, connect or the resolver): <see cref="BrokerReply.Error"/> says how.</summary>
    SocketError = 2,
    /// <summary>The request was not one a valid worker sends; nothing was done.</summary>
    Malformed = 3,
}

/// <summary>One request on the broker channel.</summary>
/// <param name="Id">Chosen by the worker; the reply carries it back, so a late reply to an abandoned request is told apart.</param>
/// <param name="Open">For <see cref="BrokerOp.Connect"/> and <see cref="BrokerOp.Bind"/>: what to open.</param>
/// <param name="Name">For <see cref="BrokerOp.Resolve"/>: the name (at most <see cref="BrokerProtocol.MaxNameBytes"/> ASCII bytes).</param>
/// <param name="Port">For <see cref="BrokerOp.Resolve"/>: the port the addresses are judged at, or null for any.</param>
public sealed record BrokerRequest(uint Id, BrokerOp Op, SocketRequest? Open, string? Name, int? Port)
{
    public static BrokerRequest ForOpen(uint id, SocketRequest open) =>
        new(id, open.Kind == SocketRequestKind.Bind ? BrokerOp.Bind : BrokerOp.Connect, open, null, null);

    public static BrokerRequest ForResolve(uint id, string name, int? port = null) => new(id, BrokerOp.Resolve, null, name, port);
}

/// <summary>One reply on the broker channel. A successful open also carries the socket, as one SCM_RIGHTS descriptor.</summary>
/// <param name="Error">For <see cref="BrokerStatus.SocketError"/>: the host's error; <see cref="System.Net.Sockets.SocketError.Success"/> otherwise.</param>
/// <param name="Reason">For <see cref="BrokerStatus.Refused"/> and <see cref="BrokerStatus.Malformed"/>: why, one line; empty otherwise.</param>
/// <param name="Addresses">For a resolve: the allowed addresses, at most <see cref="BrokerProtocol.MaxAddresses"/>.</param>
public sealed record BrokerReply(uint Id, BrokerStatus Status, SocketError Error, string Reason, IReadOnlyList<IPAddress> Addresses)
{
    public static BrokerReply Ok(uint id, IReadOnlyList<IPAddress>? addresses = null) => new(id, BrokerStatus.Ok, SocketError.Success, "", addresses ?? []);
    public static BrokerReply Refused(uint id, string reason) => new(id, BrokerStatus.Refused, SocketError.Success, reason, []);
    public static BrokerReply Failed(uint id, SocketError error) => new(id, BrokerStatus.SocketError, error, "", []);
    public static BrokerReply Malformed(uint id, string reason) => new(id, BrokerStatus.Malformed, SocketError.Success, reason, []);
}
