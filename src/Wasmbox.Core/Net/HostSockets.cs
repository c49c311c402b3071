using System.Net.Sockets;

namespace Wasmbox.Core.Net;

/// <summary>
/// Opens the host socket a <see cref="SocketRequest"/> describes, without any policy check (the caller's guard made it):
/// a nonblocking socket, options applied, then bound, or its connection started.
/// </summary>
/// <remarks>
/// Why the connect is only started: neither the WASI host nor the broker may block on a peer that does not answer. A
/// guest whose socket is blocking waits for the connection in its own host call, where the run's deadline can end the
/// wait; the broker, which serves many workers, never waits at all.
/// </remarks>
public static class HostSockets
{
    /// <summary>Opens the socket; <see cref="SocketError.Success"/> with the socket, or the error and no socket.</summary>
    public static SocketError Open(SocketRequest request, out Socket? socket)
    {
        socket = null;
        var protocol = request.Type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp;
        Socket created;
        try { created = new Socket(request.EndPoint.AddressFamily, request.Type, protocol); }
        catch (SocketException e) { return e.SocketErrorCode; }
        try
        {
            created.Blocking = false;
            var options = request.Options;
            if ((options & SocketOpenOptions.ReuseAddress) != 0)
                created.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if ((options & SocketOpenOptions.ReusePort) != 0)
                SetReusePort(created, true);
            // Why always IPv6-only: a dual-stack socket bound to [::] would also take IPv4 traffic the bind rule never
            // named; the guest that wants both opens one socket per family, as it must on BSDs anyway.
            if (request.EndPoint.AddressFamily == AddressFamily.InterNetworkV6)
                created.DualMode = false;
            if ((options & SocketOpenOptions.Broadcast) != 0 && request.Type == SocketType.Dgram)
                created.EnableBroadcast = true;

            if (request.Kind == SocketRequestKind.Bind)
            {
                created.Bind(request.EndPoint);
            }
            else
            {
                var error = Interop.NativeConnect.Start(created, request.EndPoint);
                if (error != SocketError.Success)
                {
                    created.Dispose();
                    return error;
                }
            }
            socket = created;
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            created.Dispose();
            return e.SocketErrorCode;
        }
    }

    /// <summary>SO_REUSEPORT, which .NET has no option name for.</summary>
    public static void SetReusePort(Socket socket, bool on) => socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(on ? 1 : 0));

    private const int SolSocket = 1;
    private const int SoReusePort = 15;
}
