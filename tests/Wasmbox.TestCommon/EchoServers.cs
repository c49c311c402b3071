using System.Net;
using System.Net.Sockets;

namespace Wasmbox.TestCommon;

/// <summary>
/// A TCP echo server on a loopback address and a free port, for network tests: echoes each connection until the peer
/// stops sending, and counts every connection it accepted, so a test can assert that a refused guest never reached it.
/// </summary>
public sealed class TcpEchoServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _accepted;

    /// <param name="address">127.0.0.1 or ::1 (tests use nothing else).</param>
    /// <param name="sink">True: read and discard, and close after the peer's end of stream (a streaming sink), instead of echoing.</param>
    public TcpEchoServer(IPAddress address, bool sink = false)
        : this(address, 0, sink)
    {
    }

    /// <param name="address">127.0.0.1 or ::1.</param>
    /// <param name="port">The port to listen on; 0: a free one. The socket is made by the calling thread, so in that thread's network namespace.</param>
    /// <param name="sink">As above.</param>
    public TcpEchoServer(IPAddress address, int port, bool sink)
    {
        _listener = new TcpListener(address, port);
        _listener.Start(512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Address = address;
        _ = Task.Run(() => AcceptLoop(sink));
    }

    public IPAddress Address { get; }

    public int Port { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Text for a guest's command line: <c>127.0.0.1</c> or <c>::1</c>.</summary>
    public string Host => Address.ToString();

    private async Task AcceptLoop(bool sink)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _accepted);
            _ = Task.Run(() => Serve(client, sink));
        }
    }

    private async Task Serve(Socket client, bool sink)
    {
        var buffer = new byte[65536];
        try
        {
            using (client)
            {
                while (true)
                {
                    var n = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (n == 0) break;
                    if (!sink) await client.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                }
                client.Shutdown(SocketShutdown.Both);
            }
        }
        catch (Exception) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}

/// <summary>A UDP echo server on a loopback address: sends each datagram back to its sender and counts them.</summary>
public sealed class UdpEchoServer : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private int _received;

    public UdpEchoServer(IPAddress address)
    {
        _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(address, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        Address = address;
        _ = Task.Run(Loop);
    }

    public IPAddress Address { get; }

    public int Port { get; }

    public string Host => Address.ToString();

    /// <summary>Datagrams received so far.</summary>
    public int Received => Volatile.Read(ref _received);

    private async Task Loop()
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(Address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                Interlocked.Increment(ref _received);
                await _socket.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint, _stop.Token);
            }
            catch (Exception) { return; }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
    }
}
