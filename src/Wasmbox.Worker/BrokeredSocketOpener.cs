using System.Net;
using System.Net.Sockets;
using Wasmbox.Core.Net;
using Wasmbox.Core.Net.Interop;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Net;

namespace Wasmbox.Worker;

/// <summary>
/// The jailed worker's <see cref="ISocketOpener"/>: asks the parent's broker over the inherited channel, which checks the
/// request against its own copy of the policy, opens the socket on the host's network and passes it back (SCM_RIGHTS).
/// </summary>
/// <remarks>
/// The worker has no network of its own (an empty network namespace, and seccomp refuses every socket but AF_UNIX), so
/// this is the only way a guest socket comes to exist in the jail. A broker that has gone away gives
/// <see cref="Errno.Netdown"/>, a broker that does not answer in time <see cref="Errno.Timedout"/>; neither throws.
/// </remarks>
/// <param name="brokerFd">The worker's end of the pair (<c>WorkerAssignment.BrokerFd</c>).</param>
public sealed class BrokeredSocketOpener(int brokerFd) : ISocketOpener
{
    private readonly BrokerClient _client = new(brokerFd);

    public Errno Open(SocketRequest request, out Socket? socket, out string? refusal)
    {
        socket = null;
        refusal = null;
        if (request.Type is not (SocketType.Stream or SocketType.Dgram)) return Errno.Prototype;
        if (request.EndPoint.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return Errno.Afnosupport;
        var reply = _client.Call(id => BrokerRequest.ForOpen(id, request), out var fd, out var failure);
        if (reply is null) return Failed(failure);
        switch (reply.Status)
        {
            case BrokerStatus.Ok:
                return Wrap(fd, out socket);
            case BrokerStatus.Refused:
                refusal = reply.Reason;
                return Errno.Acces;
            case BrokerStatus.SocketError:
                return SocketErrnoMapping.ToWasi(reply.Error);
            case BrokerStatus.Malformed:
                return Errno.Io;
        }
        return Errno.Io;
    }

    public Errno Resolve(string name, out IReadOnlyList<IPAddress> addresses, out string? refusal)
    {
        addresses = [];
        refusal = null;
        // A name the channel cannot carry is no name a rule allows (rules name DNS names and addresses only).
        if (!BrokerProtocol.IsValidName(name))
        {
            refusal = "resolve: not a host name or an address";
            return Errno.Acces;
        }
        var reply = _client.Call(id => BrokerRequest.ForResolve(id, name), out _, out var failure);
        if (reply is null) return Failed(failure);
        switch (reply.Status)
        {
            case BrokerStatus.Ok:
                addresses = reply.Addresses;
                return Errno.Success;
            case BrokerStatus.Refused:
                refusal = reply.Reason;
                return Errno.Acces;
            case BrokerStatus.SocketError:
                return SocketErrnoMapping.ToWasi(reply.Error);
        }
        return Errno.Io;
    }

    /// <summary>The received descriptor as a <see cref="Socket"/> that owns it; on failure the descriptor is closed.</summary>
    private static Errno Wrap(int fd, out Socket? socket)
    {
        socket = null;
        Socket wrapped;
        try { wrapped = new Socket(new SafeSocketHandle(fd, ownsHandle: true)); }
        catch (SocketException e)
        {
            UnixRights.Close(fd);
            return SocketErrnoMapping.ToWasi(e.SocketErrorCode);
        }
        try
        {
            // Why say so: the descriptor is nonblocking already, but a Socket made from a handle believes it blocks;
            // set, it is in the state DirectSocketOpener's socket is in (HostSockets.Open).
            wrapped.Blocking = false;
        }
        catch (SocketException e)
        {
            wrapped.Dispose();
            return SocketErrnoMapping.ToWasi(e.SocketErrorCode);
        }
        socket = wrapped;
        return Errno.Success;
    }

    private static Errno Failed(BrokerFailure failure) => failure switch
    {
        BrokerFailure.TimedOut => Errno.Timedout,
        BrokerFailure.BadReply => Errno.Io,
        _ => Errno.Netdown,
    };
}
