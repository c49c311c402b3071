using System.Net;
using System.Net.Sockets;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Net;

namespace Wasmbox.Wasi.Tests.Host;

/// <summary>
/// A <see cref="HostFixture"/> with one listener preopened (127.0.0.1, port 0: never another address) and helpers
/// for the peer side. Every blocking step has a timeout, so a broken host fails a test instead of hanging the run.
/// </summary>
public sealed class SocketFixture : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly List<Socket> _clients = [];

    public SocketFixture(int? maxOpenFiles = null)
    {
        var listener = ListenerSockets.Open(ListenAddress.Parse("127.0.0.1:0"));
        EndPoint = ListenerSockets.BoundEndPoint(listener);
        Fixture = new HostFixture(new WasiOptions { Listeners = [listener], MaxOpenFiles = maxOpenFiles });
    }

    public HostFixture Fixture { get; }

    public IPEndPoint EndPoint { get; }

    /// <summary>The listener's descriptor: right after stdio, there being no directory grants.</summary>
    public const int ListenerFd = 3;

    /// <summary>A connected peer socket with receive/send timeouts.</summary>
    public Socket Connect()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveTimeout = (int)Timeout.TotalMilliseconds,
            SendTimeout = (int)Timeout.TotalMilliseconds,
        };
        _clients.Add(client);
        client.Connect(EndPoint);
        return client;
    }

    /// <summary>Connects a peer and accepts it as the guest would; returns the peer and the guest's descriptor number.</summary>
    public (Socket Peer, int Fd) Accepted(Fdflags flags = Fdflags.None)
    {
        var peer = Connect();
        var errno = Run(() => Fixture.Host.SockAccept(Fixture.View, ListenerFd, (uint)flags, 1024));
        Assert.Equal(Errno.Success, errno);
        return (peer, (int)Fixture.U32(1024));
    }

    /// <summary>Runs a host call that may block, failing the test (and unblocking the call by closing everything) after <see cref="Timeout"/>.</summary>
    public T Run<T>(Func<T> call)
    {
        return Finish(Start(call));
    }

    /// <summary>Starts a host call that is expected to block (see <see cref="StillWaiting"/> and <see cref="Finish"/>).</summary>
    public static Task<T> Start<T>(Func<T> call) => Task.Run(call, TestContext.Current.CancellationToken);

    /// <summary>True when <paramref name="task"/> is still blocked after <paramref name="milliseconds"/>.</summary>
    public static bool StillWaiting(Task task, int milliseconds = 200) => !task.Wait(milliseconds, TestContext.Current.CancellationToken);

    /// <summary>The result of a started call, failing the test if it does not return within <see cref="Timeout"/>.</summary>
    public T Finish<T>(Task<T> task)
    {
        if (!task.Wait(Timeout, TestContext.Current.CancellationToken))
        {
            Dispose();
            Assert.Fail($"the host call did not return within {Timeout.TotalSeconds} s");
        }
        return task.Result;
    }

    /// <summary>Waits until the guest's end of <paramref name="fd"/> has <paramref name="count"/> bytes queued (the peer's send has arrived).</summary>
    public void WaitForBytes(int fd, int count)
    {
        var socket = ((Wasi.State.SocketFd)Fixture.Context.Fds.Get(fd)!).Socket;
        var deadline = DateTime.UtcNow + Timeout;
        while (socket.Available < count)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"{count} bytes did not arrive within {Timeout.TotalSeconds} s");
            Thread.Sleep(5);
        }
    }

    /// <summary>Puts an iovec array at <paramref name="at"/>: (ptr, len) pairs.</summary>
    public void PutIovecs(uint at, params (uint Ptr, uint Len)[] iovecs)
    {
        for (var i = 0; i < iovecs.Length; i++)
        {
            Fixture.PutU32(at + (uint)i * 8, iovecs[i].Ptr);
            Fixture.PutU32(at + (uint)i * 8 + 4, iovecs[i].Len);
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients) client.Dispose();
        Fixture.Dispose();
    }
}
