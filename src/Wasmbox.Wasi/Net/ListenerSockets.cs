using System.Net;
using System.Net.Sockets;

namespace Wasmbox.Wasi.Net;

/// <summary>Opens the listening sockets of <c>--listen</c>, which <see cref="WasiOptions.Listeners"/> then hands to the guest.</summary>
public static class ListenerSockets
{
    /// <summary>Connections the OS queues before the guest accepts them.</summary>
    public const int DefaultBacklog = 128;

    /// <summary>
    /// Binds a TCP socket to <paramref name="address"/> and listens. A host name is resolved now (<c>localhost</c>
    /// is always 127.0.0.1, without asking a resolver); port 0 gets a free port, see <see cref="BoundEndPoint"/>.
    /// </summary>
    /// <returns>A blocking, listening socket; the caller owns it (and gives it up by putting it in <see cref="WasiOptions.Listeners"/>).</returns>
    /// <exception cref="ListenException">The name cannot be resolved or the OS refuses the address; the message is one line saying what to do.</exception>
    public static Socket Open(ListenAddress address, int backlog = DefaultBacklog)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(backlog);
        var ip = address.Address ?? Resolve(address.Host);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Why explicit: [::]:PORT means IPv6 only, whatever the host's bindv6only default; IPv4 is asked for by 0.0.0.0.
            if (ip.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
            // No ReuseAddress: on Linux .NET turns it into SO_REUSEPORT as well, which would let a second socket
            // listen on the same port and take a share of the guest's connections.
            socket.Bind(new IPEndPoint(ip, address.Port));
            socket.Listen(backlog);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ListenException(Describe(e.SocketErrorCode, ip, address.Port));
        }
    }

    /// <summary>The address and port a listener is bound to (the port the OS chose for port 0).</summary>
    public static IPEndPoint BoundEndPoint(Socket listener) =>
        listener.LocalEndPoint as IPEndPoint ?? throw new InvalidOperationException("the socket is not bound to an IP end point");

    private static IPAddress Resolve(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        IPAddress[] addresses;
        try { addresses = Dns.GetHostAddresses(host); }
        catch (SocketException e) { throw new ListenException($"cannot resolve '{host}' ({e.SocketErrorCode}); use an IP address, e.g. 127.0.0.1:8080"); }
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new ListenException($"'{host}' has no address; use an IP address, e.g. 127.0.0.1:8080");
    }

    private static string Describe(SocketError error, IPAddress ip, int port)
    {
        var where = ListenAddress.Format(new IPEndPoint(ip, port));
        return error switch
        {
            SocketError.AddressAlreadyInUse => $"{where} is already in use; stop what listens there or pick another port (0 picks a free one)",
            SocketError.AddressNotAvailable => $"{ip} is not an address of this machine; use 127.0.0.1, 0.0.0.0 or an address of one of its interfaces",
            SocketError.AccessDenied => $"not allowed to listen on {where} (EACCES); ports below 1024 need privileges, pick a higher one",
            SocketError.AddressFamilyNotSupported => $"{ip.AddressFamily} is not available on this machine; use an address of the other family",
            _ => $"cannot listen on {where} ({error}); check the address and the port",
        };
    }
}

/// <summary>A <c>--listen</c> address cannot be bound; <see cref="Exception.Message"/> is one line for "wasmbox: --listen …: ".</summary>
public sealed class ListenException(string message) : Exception(message);
