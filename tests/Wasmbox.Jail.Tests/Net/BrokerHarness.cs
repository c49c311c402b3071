using System.Net.Sockets;
using Wasmbox.Core.Net;
using Wasmbox.Core.Net.Interop;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Net;

namespace Wasmbox.Jail.Tests.Net;

/// <summary>
/// A <see cref="NetBroker"/> on one end of a real SOCK_SEQPACKET pair, and the test in the worker's place on the other:
/// as a well-behaved worker (<see cref="Client"/>) or as a hostile one sending raw datagrams (<see cref="SendRaw"/>).
/// </summary>
internal sealed class BrokerHarness : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private bool _workerClosed;

    public BrokerHarness(params string[] rules) : this(NetBrokerOptions.Default, rules) { }

    public BrokerHarness(NetBrokerOptions options, params string[] rules)
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the broker passes sockets with SCM_RIGHTS over AF_UNIX SOCK_SEQPACKET; this is not Linux");
        Assert.Equal(0, UnixRights.SocketPair(out var parentFd, out var workerFd));
        WorkerFd = workerFd;
        Broker = NetBroker.Start(new Socket(new SafeSocketHandle(parentFd, ownsHandle: true)), Policy(rules), options);
        Client = new BrokerClient(workerFd) { ReplyTimeout = Patience };
    }

    public static NetPolicy Policy(params string[] rules) => new([.. rules.Select(r => NetRule.Parse(r))]);

    public NetBroker Broker { get; }
    public int WorkerFd { get; }
    public BrokerClient Client { get; }

    /// <summary>Sends a datagram as a hostile worker would: no checks, any bytes.</summary>
    public void SendRaw(ReadOnlySpan<byte> datagram) => Assert.Equal(0, UnixRights.Send(WorkerFd, datagram, -1, dontWait: false));

    /// <summary>The next reply, parsed, and the descriptor with it (-1 for none; the caller owns it).</summary>
    public BrokerReply ReceiveRaw(out int fd)
    {
        Assert.True(UnixRights.WaitReadable(WorkerFd, (int)Patience.TotalMilliseconds), "no reply from the broker within 5 s");
        var buffer = new byte[BrokerProtocol.ReplySize + 1];
        Assert.Equal(0, UnixRights.Receive(WorkerFd, buffer, out var length, out fd, out var truncated));
        Assert.False(truncated);
        Assert.True(BrokerProtocol.TryParseReply(buffer.AsSpan(0, length), out var reply, out var error), error);
        return reply!;
    }

    /// <summary>Sends <paramref name="request"/> raw and returns its reply.</summary>
    public BrokerReply Forge(BrokerRequest request, out int fd)
    {
        SendRaw(BrokerProtocol.Encode(request));
        var reply = ReceiveRaw(out fd);
        Assert.Equal(request.Id, reply.Id);
        return reply;
    }

    /// <summary>Closes the worker's end, as a worker's exit does.</summary>
    public void CloseWorkerEnd()
    {
        if (_workerClosed) return;
        _workerClosed = true;
        UnixRights.Close(WorkerFd);
    }

    public void Dispose()
    {
        Broker.Dispose();
        CloseWorkerEnd();
    }
}
