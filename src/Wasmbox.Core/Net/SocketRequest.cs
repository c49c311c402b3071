using System.Net;
using System.Net.Sockets;

namespace Wasmbox.Core.Net;

/// <summary>What a guest socket asks the network for: a connection to a destination, or a local address to bind.</summary>
public enum SocketRequestKind { Connect, Bind }

/// <summary>Socket options the guest set before its socket existed on the host; applied by the opener before bind or connect.</summary>
[Flags]
public enum SocketOpenOptions
{
    None = 0,
    ReuseAddress = 1,
    ReusePort = 2,
    /// <summary>IPV6_V6ONLY on an IPv6 socket.</summary>
    OnlyV6 = 4,
    /// <summary>SO_BROADCAST on a datagram socket.</summary>
    Broadcast = 8,
}

/// <summary>One request for a host socket.</summary>
/// <param name="Kind">Connect (a TCP connection is started, a UDP socket gets its peer) or bind.</param>
/// <param name="Type"><see cref="SocketType.Stream"/> (TCP) or <see cref="SocketType.Dgram"/> (UDP).</param>
/// <param name="EndPoint">The destination (connect) or the local address (bind). Its family is the socket's.</param>
/// <param name="Options">Options to set before bind or connect.</param>
public sealed record SocketRequest(SocketRequestKind Kind, SocketType Type, IPEndPoint EndPoint, SocketOpenOptions Options);

