using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Wasmbox.Core.Net;
using Wasmbox.Core.Net.Interop;
using Wasmbox.Jail.Net;

namespace Wasmbox.Jail.Tests.Net;

/// <summary>
/// The broker as a hostile worker meets it: forged requests for destinations and binds outside the policy, malformed
/// datagrams, floods, names no rule allows. Every test uses 127.0.0.1 (or other loopback addresses) only, and checks
/// that nothing happened on the host beyond what the policy allows: no connection attempt reached a listener.
/// </summary>
public sealed class NetBrokerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static TcpListener Listen(string address, int port = 0)
    {
        var listener = new TcpListener(IPAddress.Parse(address), port);
        listener.Start();
        return listener;
    }

    private static int PortOf(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    private static BrokerRequest Open(uint id, SocketRequestKind kind, string address, int port, SocketType type = SocketType.Stream) =>
        BrokerRequest.ForOpen(id, new SocketRequest(kind, type, new IPEndPoint(IPAddress.Parse(address), port), SocketOpenOptions.None));

    /// <summary>Waits for a connection the broker started; the socket is nonblocking with its connect in progress.</summary>
    private static void WaitConnected(Socket socket)
    {
        Assert.True(socket.Poll(Bound, SelectMode.SelectWrite), "the connection did not complete within 5 s");
        Assert.Equal(0, (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!);
    }

    /// <summary>No connection reached any of <paramref name="listeners"/>, after giving a stray one time to arrive.</summary>
    private static void AssertNoConnectionAttempt(params TcpListener[] listeners)
    {
        Thread.Sleep(200);
        foreach (var listener in listeners)
            Assert.False(listener.Pending(), $"a connection reached {listener.LocalEndpoint}");
    }

    [Fact]
    public async Task Connect_AllowedDestination_TheSocketReceivedWithScmRightsCarriesBytes()
    {
        using var listener = Listen("127.0.0.1");
        var port = PortOf(listener);
        using var broker = new BrokerHarness($"127.0.0.1:{port}");

        var reply = broker.Client.Call(id => Open(id, SocketRequestKind.Connect, "127.0.0.1", port), out var fd, out var failure);

        Assert.Equal(BrokerFailure.None, failure);
        Assert.Equal(BrokerStatus.Ok, reply!.Status);
        Assert.True(fd >= 0);
        using var accepted = await listener.AcceptSocketAsync(Token).AsTask().WaitAsync(Bound, Token);
        using (var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true)) { Blocking = false })
        {
            WaitConnected(socket);
            Assert.Equal(5, socket.Send("hello"u8));
            var buffer = new byte[16];
            var n = await accepted.ReceiveAsync(buffer, SocketFlags.None, Token).AsTask().WaitAsync(Bound, Token);
            Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, n));
        }
        // The broker closed its own copy: once ours is closed, the peer sees end of file (no copy keeps it open).
        var end = await accepted.ReceiveAsync(new byte[1], SocketFlags.None, Token).AsTask().WaitAsync(Bound, Token);
        Assert.Equal(0, end);
    }

    [Fact]
    public void Connect_ForgedDestinationsOutsideThePolicy_AreRefusedAndReachNoListener()
    {
        using var allowed = Listen("127.0.0.1");
        var port = PortOf(allowed);
        using var otherPort = Listen("127.0.0.1");
        using var otherAddress = Listen("127.0.0.2", port);
        using var broker = new BrokerHarness($"127.0.0.1:{port}", "10.1.0.0/16:443", $"bind:127.0.0.1:{port}");

        (string Address, int Port, SocketType Type)[] forged =
        [
            ("127.0.0.1", PortOf(otherPort), SocketType.Stream),
            ("127.0.0.2", port, SocketType.Stream),
            ("127.0.0.1", PortOf(otherPort), SocketType.Dgram),
            ("::1", port, SocketType.Stream),
            ("::ffff:127.0.0.2", port, SocketType.Stream),
            ("169.254.169.254", 80, SocketType.Stream),
            ("10.2.0.1", 443, SocketType.Stream),
            ("10.1.0.1", 80, SocketType.Stream),
            ("0.0.0.0", port, SocketType.Stream),
        ];
        var id = 100u;
        foreach (var (address, destinationPort, type) in forged)
        {
            var reply = broker.Forge(Open(++id, SocketRequestKind.Connect, address, destinationPort, type), out var fd);
            Assert.True(reply.Status == BrokerStatus.Refused, $"{address}:{destinationPort} {type}: {reply.Status}");
            Assert.Equal(-1, fd);
            Assert.StartsWith("connect to ", reply.Reason);
        }

        AssertNoConnectionAttempt(allowed, otherPort, otherAddress);
        Assert.Equal(forged.Length, broker.Broker.Counts.Refused);
    }

    [Fact]
    public void Connect_ARefusalForAGuardedAddress_SaysWhy()
    {
        using var broker = new BrokerHarness("0.0.0.0/0:*");
        var reply = broker.Forge(Open(1, SocketRequestKind.Connect, "169.254.169.254", 80), out _);
        Assert.Equal(BrokerStatus.Refused, reply.Status);
        Assert.Contains("cloud metadata", reply.Reason);
    }

    [Fact]
    public void Bind_ForgedOutsideTheBindRules_IsRefused_WhileAnAllowedBindIsBound()
    {
        using var probe = Listen("127.0.0.1");
        var allowedPort = PortOf(probe);
        probe.Stop(); // a port that was free a moment ago, for the rule
        using var broker = new BrokerHarness($"bind:127.0.0.1:{allowedPort}", $"127.0.0.1:{allowedPort + 1}");

        (string Address, int Port)[] forged = [("127.0.0.1", allowedPort + 1), ("0.0.0.0", allowedPort), ("127.0.0.2", allowedPort), ("::1", allowedPort), ("::", 0)];
        var id = 0u;
        foreach (var (address, port) in forged)
        {
            var reply = broker.Forge(Open(++id, SocketRequestKind.Bind, address, port), out var fd);
            Assert.True(reply.Status == BrokerStatus.Refused, $"bind {address}:{port}: {reply.Status}");
            Assert.Equal(-1, fd);
            Assert.StartsWith("bind ", reply.Reason);
        }

        var ok = broker.Forge(Open(++id, SocketRequestKind.Bind, "127.0.0.1", 0), out var bound);
        Assert.Equal(BrokerStatus.Ok, ok.Status);
        using var socket = new Socket(new SafeSocketHandle(bound, ownsHandle: true));
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)socket.LocalEndPoint!).Address);
    }

    [Fact]
    public void Malformed_Datagrams_GetMalformedReplies_AndTheNextGoodRequestWorks()
    {
        using var listener = Listen("127.0.0.1");
        var port = PortOf(listener);
        using var broker = new BrokerHarness($"127.0.0.1:{port}");

        var good = BrokerProtocol.Encode(Open(77, SocketRequestKind.Connect, "127.0.0.1", port));
        var badOp = (byte[])good.Clone();
        badOp[4] = 9;
        var badFamily = (byte[])good.Clone();
        badFamily[6] = 5;
        byte[][] malformed = [[1, 2, 3], [.. good, 0], badOp, badFamily, new byte[64 * 1024], new byte[BrokerProtocol.RequestSize]];
        foreach (var datagram in malformed)
        {
            broker.SendRaw(datagram);
            var reply = broker.ReceiveRaw(out var fd);
            Assert.Equal(BrokerStatus.Malformed, reply.Status);
            Assert.Equal(-1, fd);
            Assert.NotEmpty(reply.Reason);
        }
        Assert.Equal(malformed.Length, broker.Broker.Counts.Malformed);

        var after = broker.Forge(BrokerProtocol.TryParseRequest(good, out var request, out _) ? request! : throw new InvalidOperationException(), out var socketFd);
        Assert.Equal(BrokerStatus.Ok, after.Status);
        using var socket = new Socket(new SafeSocketHandle(socketFd, ownsHandle: true));
        WaitConnected(socket);
        Assert.False(broker.Broker.Completion.IsCompleted);
    }

    [Fact]
    public void ADescriptorSentToTheBroker_IsDroppedAndChangesNothing()
    {
        using var broker = new BrokerHarness("127.0.0.1:1");
        using var file = File.OpenHandle("/dev/null");
        Assert.Equal(0, UnixRights.Send(broker.WorkerFd, BrokerProtocol.Encode(BrokerRequest.ForResolve(5, "127.0.0.1", 1)),
            (int)file.DangerousGetHandle(), dontWait: false));
        var reply = broker.ReceiveRaw(out var fd);
        Assert.Equal(BrokerStatus.Ok, reply.Status);
        Assert.Equal(-1, fd);
    }

    [Fact]
    public async Task Flood_IsSlowedToTheRate_WhileAnotherBrokerStaysResponsive()
    {
        const int burst = 5, perSecond = 40, count = 85;
        using var flooded = new BrokerHarness(new NetBrokerOptions { Burst = burst, PerSecond = perSecond }, "127.0.0.1:1");
        using var other = new BrokerHarness("127.0.0.1:1");
        // A literal address is judged without a lookup: each request is cheap, so only the rate can slow the flood.
        var request = BrokerProtocol.Encode(BrokerRequest.ForResolve(1, "127.0.0.1", 1));
        Assert.NotNull(other.Client.Call(id => BrokerRequest.ForResolve(id, "127.0.0.1", 1), out _, out _)); // first-call costs out of the way

        // Why threads of their own (LongRunning): both loops block in the harness's synchronous calls, and on a 2-core
        // machine two blocked thread-pool threads would starve the brokers' own async loops (the pool adds threads
        // only every half second or so), measuring the test's starvation instead of the brokers' independence.
        var clock = Stopwatch.StartNew();
        var flood = Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < count; i++) flooded.SendRaw(request);
            for (var i = 0; i < count; i++) Assert.Equal(BrokerStatus.Ok, flooded.ReceiveRaw(out _).Status);
        }, Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var slowest = await Task.Factory.StartNew(() =>
        {
            var worst = TimeSpan.Zero;
            while (!flood.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                var asked = Stopwatch.StartNew();
                var reply = other.Client.Call(id => BrokerRequest.ForResolve(id, "127.0.0.1", 1), out _, out var failure);
                Assert.Equal(BrokerFailure.None, failure);
                Assert.Equal(BrokerStatus.Ok, reply!.Status);
                if (asked.Elapsed > worst) worst = asked.Elapsed;
                Thread.Sleep(20);
            }
            return worst;
        }, Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await flood.WaitAsync(TimeSpan.FromSeconds(10), Token);
        var elapsed = clock.Elapsed;

        // (count - burst) requests at perSecond: at least 2 s, less a little for timer granularity.
        var floor = TimeSpan.FromSeconds((count - burst) / (double)perSecond) - TimeSpan.FromMilliseconds(100);
        Assert.True(elapsed >= floor, $"the flood of {count} took {elapsed.TotalMilliseconds:F0} ms, under {floor.TotalMilliseconds:F0} ms");
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"the other broker took {slowest.TotalMilliseconds:F0} ms to answer during the flood");
        Assert.True(flooded.Broker.Counts.Throttled > 0);
        Assert.Equal(0, other.Broker.Counts.Throttled);
    }

    [Fact]
    public void Resolve_ANameNoRuleAllows_NeverCallsTheResolver()
    {
        var lookups = new List<string>();
        var options = new NetBrokerOptions
        {
            Lookup = (name, _) =>
            {
                lock (lookups) lookups.Add(name);
                return Task.FromResult(new[] { IPAddress.Parse("93.184.216.34"), IPAddress.Loopback, IPAddress.Parse("10.0.0.1") });
            },
        };
        using var broker = new BrokerHarness(options, "api.example.com:443");

        var refused = broker.Forge(BrokerRequest.ForResolve(1, "evil.example.net"), out _);
        Assert.Equal(BrokerStatus.Refused, refused.Status);
        Assert.Contains("no --allow-net rule names it", refused.Reason);
        Assert.Empty(lookups);

        // An allowed name: looked up once, and the loopback and private addresses it gave are dropped.
        var allowed = broker.Forge(BrokerRequest.ForResolve(2, "API.example.com."), out _);
        Assert.Equal(BrokerStatus.Ok, allowed.Status);
        Assert.Equal([IPAddress.Parse("93.184.216.34")], allowed.Addresses);
        Assert.Equal(["api.example.com"], lookups);
    }

    [Fact]
    public void Resolve_AResolverThatNeverAnswers_TimesOut()
    {
        var options = new NetBrokerOptions
        {
            LookupTimeout = TimeSpan.FromMilliseconds(200),
            Lookup = async (_, cancel) => { await Task.Delay(Timeout.Infinite, cancel); return []; },
        };
        using var broker = new BrokerHarness(options, "slow.example.com:443");
        var clock = Stopwatch.StartNew();
        var reply = broker.Forge(BrokerRequest.ForResolve(1, "slow.example.com"), out _);
        Assert.Equal(BrokerStatus.SocketError, reply.Status);
        Assert.Equal(SocketError.TimedOut, reply.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task WorkerEndClosed_EndsTheBroker()
    {
        using var broker = new BrokerHarness("127.0.0.1:1");
        broker.CloseWorkerEnd();
        await broker.Broker.Completion.WaitAsync(Bound, Token);
    }

    [Fact]
    public async Task Disposed_TheWorkerSeesTheBrokerGone()
    {
        using var broker = new BrokerHarness("127.0.0.1:1");
        broker.Broker.Dispose();
        await broker.Broker.Completion.WaitAsync(Bound, Token);
        var reply = broker.Client.Call(id => BrokerRequest.ForResolve(id, "127.0.0.1"), out _, out var failure);
        Assert.Null(reply);
        Assert.Equal(BrokerFailure.Gone, failure);
    }

    [Fact]
    public void AFailedConnect_ComesBackAsTheHostsError()
    {
        using var listener = Listen("127.0.0.1");
        var port = PortOf(listener);
        listener.Stop(); // nobody listens there now
        using var broker = new BrokerHarness($"bind:127.0.0.1:{port}", $"127.0.0.1:{port}");
        using var taken = Listen("127.0.0.1", port);
        var reply = broker.Forge(Open(1, SocketRequestKind.Bind, "127.0.0.1", port), out _);
        Assert.Equal(BrokerStatus.SocketError, reply.Status);
        Assert.Equal(SocketError.AddressAlreadyInUse, reply.Error);
    }
}
