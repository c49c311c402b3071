using System.Net.Sockets;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Net;

namespace Wasmbox.Wasi.State;

/// <summary>A listening TCP socket preopened by <c>--listen</c>: the guest accepts connections from it with sock_accept.</summary>
public sealed class SocketListenerFd(Socket socket, SocketRegistry? registry = null, Quotas? quotas = null) : SocketFd(socket, registry, quotas)
{
    public override Errno Accept(Fdflags flags, out WasiFd accepted) => AcceptConnection(flags, out accepted);
}
