using System.Net.Sockets;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Net;

namespace Wasmbox.Wasi.State;

/// <summary>A listening TCP socket preopened by <c>--listen</c>: the guest accepts connections from it with sock_accept.</summary>
public sealed class SocketListenerFd(Socket socket, SocketRegistry? registry = null) : SocketFd(socket, registry)
{
    /// <summary>
    /// Accepts the next connection: waits for one unless this listener is nonblocking (then EAGAIN when none is
    /// pending). The connection gets <paramref name="flags"/> (nonblock or not).
    /// </summary>
    public override Errno Accept(Fdflags flags, out WasiFd accepted)
    {
        accepted = null!;
        Socket connection;
        try
        {
            WaitReadable();
            connection = Socket.Accept();
        }
        catch (SocketException e) { return SocketErrnoMapping.ToWasi(e.SocketErrorCode); }
        catch (ObjectDisposedException) { return Errno.Badf; }
        catch (InvalidOperationException) { return Errno.Inval; } // Why: .NET refuses a socket that is not listening.
        try { connection.Blocking = (flags & Fdflags.Nonblock) == 0; }
        catch (SocketException e)
        {
            connection.Dispose();
            return SocketErrnoMapping.ToWasi(e.SocketErrorCode);
        }
        accepted = new SocketConnectionFd(connection, Registry);
        return Errno.Success;
    }
}
