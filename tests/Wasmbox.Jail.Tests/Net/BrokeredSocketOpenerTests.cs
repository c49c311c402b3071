using System.Net;
using System.Net.Sockets;
using Wasmbox.Core.Net;
using Wasmbox.Wasi.Abi;
using Wasmbox.Worker;

namespace Wasmbox.Jail.Tests.Net;

/// <summary>The jailed worker's opener against a real broker: errnos, refusal lines, and a broker that went away.</summary>
public sealed class BrokeredSocketOpenerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static SocketRequest Connect(string address, int port) =>
        new(SocketRequestKind.Connect, SocketType.Stream, new IPEndPoint(IPAddress.Parse(address), port), SocketOpenOptions.None);

    [Fact]
    public async Task Open_Allowed_GivesANonblockingConnectedSocket()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var broker = new BrokerHarness($"127.0.0.1:{port}");
        var opener = new BrokeredSocketOpener(broker.WorkerFd);

        Assert.Equal(Errno.Success, opener.Open(Connect("127.0.0.1", port), out var socket, out var refusal));
        Assert.Null(refusal);
        using (socket)
        {
            Assert.False(socket!.Blocking);
            using var accepted = await listener.AcceptSocketAsync(Token).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Token);
            Assert.True(socket.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectWrite));
            Assert.Equal(IPAddress.Loopback, ((IPEndPoint)socket.RemoteEndPoint!).Address);
        }
    }

    [Fact]
    public void Open_Refused_IsEaccesWithTheBrokersReason()
    {
        using var broker = new BrokerHarness("127.0.0.1:1");
        var opener = new BrokeredSocketOpener(broker.WorkerFd);
        Assert.Equal(Errno.Acces, opener.Open(Connect("127.0.0.1", 2), out var socket, out var refusal));
        Assert.Null(socket);
        Assert.Equal("connect to 127.0.0.1:2: a loopback address, which only a rule naming that address or a block inside its range allows", refusal);
    }

    [Fact]
    public void Open_ConnectionRefusedByThePeer_IsReportedOnTheSocketNotByTheOpener()
    {
        // The broker only starts the connect: a closed port shows up later as SO_ERROR, as with a direct opener.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var broker = new BrokerHarness($"127.0.0.1:{port}");
        var opener = new BrokeredSocketOpener(broker.WorkerFd);
        Assert.Equal(Errno.Success, opener.Open(Connect("127.0.0.1", port), out var socket, out _));
        using (socket)
        {
            Assert.True(socket!.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectWrite) || socket.Poll(0, SelectMode.SelectError));
            Assert.Equal((int)SocketError.ConnectionRefused, (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!);
        }
    }

    [Fact]
    public void Resolve_LiteralAllowed_And_NameNotAllowed()
    {
        using var broker = new BrokerHarness("127.0.0.1:80");
        var opener = new BrokeredSocketOpener(broker.WorkerFd);
        Assert.Equal(Errno.Success, opener.Resolve("127.0.0.1", out var addresses, out _));
        Assert.Equal([IPAddress.Loopback], addresses);
        Assert.Equal(Errno.Acces, opener.Resolve("example.com", out addresses, out var refusal));
        Assert.Empty(addresses);
        Assert.Contains("no --allow-net rule names it", refusal);
        Assert.Equal(Errno.Acces, opener.Resolve("bad name\n", out _, out _));
    }

    [Fact]
    public async Task BrokerGone_IsNetdown_EveryTime()
    {
        using var broker = new BrokerHarness("127.0.0.1:80");
        var opener = new BrokeredSocketOpener(broker.WorkerFd);
        broker.Broker.Dispose();
        await broker.Broker.Completion.WaitAsync(TimeSpan.FromSeconds(5), Token);
        Assert.Equal(Errno.Netdown, opener.Open(Connect("127.0.0.1", 80), out var socket, out _));
        Assert.Null(socket);
        Assert.Equal(Errno.Netdown, opener.Resolve("127.0.0.1", out _, out _));
    }
}
