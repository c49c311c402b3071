using System.Net;
using System.Net.Sockets;
using Wasmbox.Core.Net;
using Wasmbox.Core.Policy;
using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Net;

/// <summary>
/// Opens sockets in the host's own process (the none and process tiers), after checking them with a guard of its own.
/// </summary>
public sealed class DirectSocketOpener(NetPolicy policy) : ISocketOpener
{
    private readonly NetGuard _guard = new(policy);

    public Errno Open(SocketRequest request, out Socket? socket, out string? refusal)
    {
        socket = null;
        refusal = _guard.Check(request);
        if (refusal is not null) return Errno.Acces;
        var errno = SocketErrnoMapping.ToWasi(HostSockets.Open(request, out socket));
        // A connect .NET did not make itself: a socket over the same descriptor asks the kernel for its state (the
        // broker's sockets get the same in the worker, made from the descriptor that came over SCM_RIGHTS).
        // Only a datagram socket needs it (.NET refuses ReceiveFrom on a socket it thinks unbound); a stream socket's
        // send and receive do not look at that state, and its addresses are read from the kernel (NetSocketFd).
        if (errno == Errno.Success && request.Kind == SocketRequestKind.Connect && request.Type == SocketType.Dgram)
            socket = Core.Net.Interop.NativeConnect.Rewrap(socket!);
        return errno;
    }

    public Errno Resolve(string name, out IReadOnlyList<IPAddress> addresses, out string? refusal)
    {
        try
        {
            addresses = _guard.Resolve(name, null, out refusal);
            // A name no rule names is refused outright; a name whose addresses the policy refuses resolves to none.
            var named = IPAddress.TryParse(name, out _) || _guard.Policy.MayResolve(name);
            return named ? Errno.Success : Errno.Acces;
        }
        catch (SocketException e)
        {
            addresses = [];
            refusal = null;
            // No such name: what getaddrinfo's EAI_NONAME becomes in WASIX hosts.
            return e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData ? Errno.Noent : SocketErrnoMapping.ToWasi(e.SocketErrorCode);
        }
    }
}
