using System.Net.Sockets;
using System.Text;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Net;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Tests.Host;

/// <summary>sock_accept, sock_recv, sock_send, sock_shutdown on real loopback sockets (127.0.0.1, port 0).</summary>
public sealed class SockTests : IDisposable
{
    private const byte S = HostFixture.Sentinel;
    private const uint FdPtr = 1024, Iovs = 256, Buf = 512, Buf2 = 600, DatalenPtr = 128, RoflagsPtr = 132;

    private readonly SocketFixture _s = new();

    private HostFixture F => _s.Fixture;

    public void Dispose() => _s.Dispose();

    // ---- sock_accept ----

    [Fact]
    public void SockAccept_PendingConnection_WritesLowestFreeFdAndNothingElse()
    {
        _s.Connect();

        var errno = _s.Run(() => F.Host.SockAccept(F.View, SocketFixture.ListenerFd, 0, FdPtr));

        Assert.Equal(Errno.Success, errno);
        Assert.Equal([S, S, S, S, 4, 0, 0, 0, S, S, S, S], F.Bytes(FdPtr - 4, 12));
        var connection = F.Context.Fds.Get(4)!;
        Assert.IsType<SocketConnectionFd>(connection);
        Assert.Equal(Filetype.SocketStream, connection.Filetype);
        Assert.Equal(Fdflags.None, connection.Flags);
    }

    [Fact]
    public void SockAccept_NonblockFlag_NewFdIsNonblocking()
    {
        var (_, fd) = _s.Accepted(Fdflags.Nonblock);

        Assert.Equal(Fdflags.Nonblock, F.Context.Fds.Get(fd)!.Flags);
        Assert.Equal(Fdflags.None, F.Context.Fds.Get(SocketFixture.ListenerFd)!.Flags);
    }

    [Fact]
    public void SockAccept_NonblockingListenerNothingPending_ReturnsAgainAndWritesNothing()
    {
        Assert.Equal(Errno.Success, F.Context.Fds.Get(SocketFixture.ListenerFd)!.SetFlags(Fdflags.Nonblock));

        var errno = _s.Run(() => F.Host.SockAccept(F.View, SocketFixture.ListenerFd, 0, FdPtr));

        Assert.Equal(Errno.Again, errno);
        Assert.Equal([S, S, S, S], F.Bytes(FdPtr, 4));
    }

    [Fact]
    public void SockAccept_BlockingListener_WaitsForAConnection()
    {
        var accept = SocketFixture.Start(() => F.Host.SockAccept(F.View, SocketFixture.ListenerFd, 0, FdPtr));
        Assert.True(SocketFixture.StillWaiting(accept), "accept returned with no connection pending");

        _s.Connect();

        Assert.Equal(Errno.Success, _s.Finish(accept));
        Assert.Equal(4u, F.U32(FdPtr));
    }

    [Fact]
    public void SockAccept_ListenerClosedWhileWaiting_ReturnsInsteadOfHanging()
    {
        var accept = SocketFixture.Start(() => F.Host.SockAccept(F.View, SocketFixture.ListenerFd, 0, FdPtr));
        Assert.True(SocketFixture.StillWaiting(accept, 100));

        F.Context.Dispose();

        Assert.NotEqual(Errno.Success, _s.Finish(accept));
    }

    [Theory]
    [InlineData(10, 0u, Errno.Badf)]       // nothing open there
    [InlineData(0, 0u, Errno.Notsock)]     // stdin
    [InlineData(1, 0u, Errno.Notsock)]     // stdout
    [InlineData(3, 1u, Errno.Inval)]       // APPEND: only NONBLOCK may be given
    [InlineData(3, 0x10u, Errno.Inval)]    // SYNC
    [InlineData(3, 0x20u, Errno.Inval)]    // no fdflags bit
    [InlineData(10, 0x20u, Errno.Inval)]   // unknown bits are refused before the descriptor is looked at
    [InlineData(0, 1u, Errno.Notsock)]     // a known flag is judged after the descriptor
    public void SockAccept_Errors(int fd, uint flags, Errno expected)
    {
        _s.Connect();

        Assert.Equal(expected, F.Host.SockAccept(F.View, fd, flags, FdPtr));
        Assert.Equal([S, S, S, S], F.Bytes(FdPtr, 4));
    }

    [Fact]
    public void SockAccept_OnAConnection_ReturnsInval()
    {
        var (_, fd) = _s.Accepted();

        Assert.Equal(Errno.Inval, F.Host.SockAccept(F.View, fd, 0, FdPtr + 8));
    }

    [Fact]
    public void SockAccept_OnADirectory_ReturnsNotsock()
    {
        using var dir = new TempDir();
        var listener = ListenerSockets.Open(ListenAddress.Parse("127.0.0.1:0"));
        using var f = new HostFixture(new WasiOptions { Preopens = [new(dir.Path, "/data", false)], Listeners = [listener] });

        Assert.Equal(Errno.Notsock, f.Host.SockAccept(f.View, 3, 0, FdPtr));
        Assert.IsType<SocketListenerFd>(f.Context.Fds.Get(4));
    }

    [Fact]
    public void SockAccept_WithoutTheRight_ReturnsNotcapable()
    {
        _s.Connect();
        F.Context.Fds.Get(SocketFixture.ListenerFd)!.RightsBase &= ~Rights.SockAccept;

        Assert.Equal(Errno.Notcapable, F.Host.SockAccept(F.View, SocketFixture.ListenerFd, 0, FdPtr));
    }

    [Fact]
    public void SockAccept_BeyondMaxOpenFiles_ReturnsMfileAndLeavesTheConnectionPending()
    {
        using var s = new SocketFixture(maxOpenFiles: 4); // stdio + the listener
        var peer = s.Connect();

        Assert.Equal(Errno.Mfile, s.Fixture.Host.SockAccept(s.Fixture.View, SocketFixture.ListenerFd, 0, FdPtr));
        Assert.Equal([S, S, S, S], s.Fixture.Bytes(FdPtr, 4));
        Assert.True(s.Fixture.Context.Quotas.OpenFilesLimitHit);

        // Once a number is free, the same connection is accepted there: it was never taken off the queue.
        Assert.Equal(Errno.Success, s.Fixture.Context.Fds.Close(0));
        Assert.Equal(Errno.Success, s.Run(() => s.Fixture.Host.SockAccept(s.Fixture.View, SocketFixture.ListenerFd, 0, FdPtr)));
        Assert.Equal(0u, s.Fixture.U32(FdPtr));
        peer.Send("x"u8);
        s.WaitForBytes(0, 1);
    }

    [Theory]
    [InlineData(FdPtr + 2)]   // misaligned
    [InlineData(65536u)]      // past the end
    public void SockAccept_BadFdPtr_TrapsBeforeTakingTheConnection(uint fdPtr)
    {
        _s.Connect();

        Assert.Throws<WasiTrap>(() => F.Host.SockAccept(F.View, SocketFixture.ListenerFd, 0, fdPtr));
        Assert.Equal(4, F.Context.Fds.Count); // stdio and the listener: nothing was added

        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockAccept(F.View, SocketFixture.ListenerFd, 0, FdPtr)));
    }

    // ---- sock_recv ----

    [Fact]
    public void SockRecv_RoundTrip_WritesExactBytesDatalenAndRoflags()
    {
        var (peer, fd) = _s.Accepted();
        peer.Send("hello"u8);
        _s.PutIovecs(Iovs, (Buf, 16));

        var errno = _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 1, 0, DatalenPtr, RoflagsPtr));

        Assert.Equal(Errno.Success, errno);
        Assert.Equal([S, .. "hello"u8, S], F.Bytes(Buf - 1, 7));
        Assert.Equal([5, 0, 0, 0, 0, 0, S, S], F.Bytes(DatalenPtr, 8));
    }

    [Fact]
    public void SockRecv_TwoIovecs_FillsThemInOrder()
    {
        var (peer, fd) = _s.Accepted();
        peer.Send("abcdefgh"u8);
        _s.WaitForBytes(fd, 8);
        _s.PutIovecs(Iovs, (Buf, 3), (Buf2, 10));

        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 2, 0, DatalenPtr, RoflagsPtr)));

        Assert.Equal(8u, F.U32(DatalenPtr));
        Assert.Equal([.. "abc"u8, S], F.Bytes(Buf, 4));
        Assert.Equal([.. "defgh"u8, S], F.Bytes(Buf2, 6));
    }

    [Fact]
    public void SockRecv_SecondIovecWithNothingQueued_ReturnsWhatCameWithoutWaiting()
    {
        var (peer, fd) = _s.Accepted();
        peer.Send("abc"u8);
        _s.WaitForBytes(fd, 3);
        _s.PutIovecs(Iovs, (Buf, 3), (Buf2, 10));

        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 2, 0, DatalenPtr, RoflagsPtr)));

        Assert.Equal(3u, F.U32(DatalenPtr));
        Assert.Equal([S, S], F.Bytes(Buf2, 2));
    }

    [Fact]
    public void SockRecv_Peek_LeavesTheDataQueued()
    {
        var (peer, fd) = _s.Accepted();
        peer.Send("hello"u8);
        _s.WaitForBytes(fd, 5);
        _s.PutIovecs(Iovs, (Buf, 16));

        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 1, (uint)Riflags.RecvPeek, DatalenPtr, RoflagsPtr)));
        Assert.Equal(5u, F.U32(DatalenPtr));
        Assert.Equal([.. "hello"u8, S], F.Bytes(Buf, 6));

        _s.PutIovecs(Iovs, (Buf2, 16));
        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 1, 0, DatalenPtr, RoflagsPtr)));
        Assert.Equal(5u, F.U32(DatalenPtr));
        Assert.Equal([.. "hello"u8, S], F.Bytes(Buf2, 6));
    }

    [Fact]
    public void SockRecv_PeekIntoTwoIovecs_ScattersOneContiguousPeek()
    {
        var (peer, fd) = _s.Accepted();
        peer.Send("abcdefgh"u8);
        _s.WaitForBytes(fd, 8);
        _s.PutIovecs(Iovs, (Buf, 3), (Buf2, 10));

        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 2, (uint)Riflags.RecvPeek, DatalenPtr, RoflagsPtr)));

        Assert.Equal(8u, F.U32(DatalenPtr));
        Assert.Equal([.. "abc"u8, S], F.Bytes(Buf, 4));
        Assert.Equal([.. "defgh"u8, S], F.Bytes(Buf2, 6));
        Assert.Equal(8, ((SocketFd)F.Context.Fds.Get(fd)!).Socket.Available);
    }

    [Fact]
    public void SockRecv_Waitall_WaitsForTheWholeBuffer()
    {
        var (peer, fd) = _s.Accepted();
        _s.PutIovecs(Iovs, (Buf, 8));
        peer.Send("abc"u8);

        var recv = SocketFixture.Start(() => F.Host.SockRecv(F.View, fd, Iovs, 1, (uint)Riflags.RecvWaitall, DatalenPtr, RoflagsPtr));
        Assert.True(SocketFixture.StillWaiting(recv), "WAITALL returned before the buffer was full");
        peer.Send("defgh"u8);

        Assert.Equal(Errno.Success, _s.Finish(recv));
        Assert.Equal(8u, F.U32(DatalenPtr));
        Assert.Equal([.. "abcdefgh"u8, S], F.Bytes(Buf, 9));
    }

    [Fact]
    public void SockRecv_WaitallAndPeerFinishes_ReturnsTheShortCount()
    {
        var (peer, fd) = _s.Accepted();
        _s.PutIovecs(Iovs, (Buf, 8));
        peer.Send("abc"u8);
        peer.Shutdown(SocketShutdown.Send);

        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 1, (uint)Riflags.RecvWaitall, DatalenPtr, RoflagsPtr)));
        Assert.Equal(3u, F.U32(DatalenPtr));
    }

    [Fact]
    public void SockRecv_PeekWaitall_WaitsThenLeavesTheDataQueued()
    {
        var (peer, fd) = _s.Accepted();
        _s.PutIovecs(Iovs, (Buf, 8));
        peer.Send("abc"u8);
        const uint flags = (uint)(Riflags.RecvPeek | Riflags.RecvWaitall);

        var recv = SocketFixture.Start(() => F.Host.SockRecv(F.View, fd, Iovs, 1, flags, DatalenPtr, RoflagsPtr));
        Assert.True(SocketFixture.StillWaiting(recv), "PEEK|WAITALL returned before the buffer was full");
        peer.Send("defgh"u8);

        Assert.Equal(Errno.Success, _s.Finish(recv));
        Assert.Equal(8u, F.U32(DatalenPtr));
        Assert.Equal([.. "abcdefgh"u8, S], F.Bytes(Buf, 9));
        Assert.Equal(8, ((SocketFd)F.Context.Fds.Get(fd)!).Socket.Available);
    }

    [Fact]
    public void SockRecv_PeekWaitallAndPeerFinishes_ReturnsTheShortCount()
    {
        var (peer, fd) = _s.Accepted();
        _s.PutIovecs(Iovs, (Buf, 8));
        peer.Send("abc"u8);
        peer.Shutdown(SocketShutdown.Send);
        _s.WaitForBytes(fd, 3);
        const uint flags = (uint)(Riflags.RecvPeek | Riflags.RecvWaitall);

        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 1, flags, DatalenPtr, RoflagsPtr)));
        Assert.Equal(3u, F.U32(DatalenPtr));
    }

    [Fact]
    public void SockRecv_PeerShutDownSending_ReturnsZeroBytes()
    {
        var (peer, fd) = _s.Accepted();
        peer.Shutdown(SocketShutdown.Send);
        _s.PutIovecs(Iovs, (Buf, 16));

        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 1, 0, DatalenPtr, RoflagsPtr)));
        Assert.Equal([0, 0, 0, 0, 0, 0], F.Bytes(DatalenPtr, 6));
        Assert.Equal([S, S], F.Bytes(Buf, 2));
    }

    [Fact]
    public void SockRecv_NonblockingNothingQueued_ReturnsAgainAndWritesNothing()
    {
        var (_, fd) = _s.Accepted(Fdflags.Nonblock);
        _s.PutIovecs(Iovs, (Buf, 16));

        Assert.Equal(Errno.Again, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 1, 0, DatalenPtr, RoflagsPtr)));
        Assert.Equal([S, S, S, S, S, S], F.Bytes(DatalenPtr, 6));
    }

    [Fact]
    public void SockRecv_NoBuffers_ReturnsZeroWithoutWaiting()
    {
        var (_, fd) = _s.Accepted();
        _s.PutIovecs(Iovs, (Buf, 0));

        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 1, 0, DatalenPtr, RoflagsPtr)));
        Assert.Equal(0u, F.U32(DatalenPtr));
    }

    [Theory]
    [InlineData(10, 0u, Errno.Badf)]
    [InlineData(0, 0u, Errno.Notsock)]
    [InlineData(2, 0u, Errno.Notsock)]
    [InlineData(3, 0u, Errno.Notconn)]   // the listener: recv on a listening socket
    [InlineData(3, 4u, Errno.Inval)]     // no riflags bit
    [InlineData(10, 0x100u, Errno.Inval)]
    public void SockRecv_Errors(int fd, uint riFlags, Errno expected)
    {
        _s.PutIovecs(Iovs, (Buf, 16));

        Assert.Equal(expected, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 1, riFlags, DatalenPtr, RoflagsPtr)));
        Assert.Equal([S, S, S, S, S, S], F.Bytes(DatalenPtr, 6));
    }

    [Fact]
    public void SockRecv_WithoutFdReadRight_ReturnsNotcapable()
    {
        var (_, fd) = _s.Accepted();
        F.Context.Fds.Get(fd)!.RightsBase &= ~Rights.FdRead;
        _s.PutIovecs(Iovs, (Buf, 16));

        Assert.Equal(Errno.Notcapable, F.Host.SockRecv(F.View, fd, Iovs, 1, 0, DatalenPtr, RoflagsPtr));
    }

    [Fact]
    public void SockRecv_LengthsAddUpPastU32_ReturnsOverflow()
    {
        var (_, fd) = _s.Accepted();
        using var f = new HostFixture(new WasiOptions(), memorySize: 1 << 20);
        Assert.Equal(Errno.Success, f.Context.Fds.Add(new SocketConnectionFd(((SocketFd)F.Context.Fds.Get(fd)!).Socket), out var shared));
        const uint count = 65537, array = 0x10000; // 65537 overlapping buffers of 64 KiB: 2^32 + 64 KiB in all
        for (uint i = 0; i < count; i++)
        {
            f.PutU32(array + i * 8, 0);
            f.PutU32(array + i * 8 + 4, 0x10000);
        }

        Assert.Equal(Errno.Overflow, f.Host.SockRecv(f.View, shared, array, count, 0, DatalenPtr, RoflagsPtr));
        Assert.Equal([S, S, S, S], f.Bytes(DatalenPtr, 4));
    }

    [Theory]
    [InlineData(Iovs + 2, Buf, DatalenPtr, RoflagsPtr)]         // misaligned iovec array
    [InlineData(Iovs, 65530u, DatalenPtr, RoflagsPtr)]          // buffer runs past the end
    [InlineData(Iovs, Buf, DatalenPtr + 1, RoflagsPtr)]         // misaligned size out-pointer
    [InlineData(Iovs, Buf, DatalenPtr, RoflagsPtr + 1)]         // misaligned roflags out-pointer
    [InlineData(Iovs, Buf, DatalenPtr, 65536u)]                 // roflags past the end
    public void SockRecv_BadPointer_TrapsWithoutConsumingData(uint iovs, uint buf, uint datalenPtr, uint roflagsPtr)
    {
        var (peer, fd) = _s.Accepted();
        peer.Send("hello"u8);
        _s.WaitForBytes(fd, 5);
        _s.PutIovecs(Iovs, (buf, 16));

        Assert.Throws<WasiTrap>(() => F.Host.SockRecv(F.View, fd, iovs, 1, 0, datalenPtr, roflagsPtr));
        Assert.Equal(5, ((SocketFd)F.Context.Fds.Get(fd)!).Socket.Available);
    }

    // ---- sock_send ----

    [Fact]
    public void SockSend_TwoCiovecs_PeerReceivesExactBytes()
    {
        var (peer, fd) = _s.Accepted();
        F.PutString(Buf, "he");
        F.PutString(Buf2, "llo");
        _s.PutIovecs(Iovs, (Buf, 2), (Buf2, 3));

        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockSend(F.View, fd, Iovs, 2, 0, DatalenPtr)));

        Assert.Equal([S, S, S, S, 5, 0, 0, 0, S, S, S, S], F.Bytes(DatalenPtr - 4, 12));
        Assert.Equal("hello", ReceiveExactly(peer, 5));
    }

    [Theory]
    [InlineData(10, 0u, Errno.Badf)]
    [InlineData(1, 0u, Errno.Notsock)]
    [InlineData(0, 0u, Errno.Notsock)]
    [InlineData(4, 1u, Errno.Inval)]       // si_flags must be 0
    [InlineData(4, 0x8000u, Errno.Inval)]
    public void SockSend_Errors(int fd, uint siFlags, Errno expected)
    {
        _s.Accepted(); // fd 4
        _s.PutIovecs(Iovs, (Buf, 4));

        Assert.Equal(expected, _s.Run(() => F.Host.SockSend(F.View, fd, Iovs, 1, siFlags, DatalenPtr)));
        Assert.Equal([S, S, S, S], F.Bytes(DatalenPtr, 4));
    }

    [Fact]
    public void SockSend_AfterShutdownWr_ReturnsPipe()
    {
        var (_, fd) = _s.Accepted();
        Assert.Equal(Errno.Success, F.Host.SockShutdown(F.View, fd, (uint)Sdflags.Wr));
        _s.PutIovecs(Iovs, (Buf, 4));

        Assert.Equal(Errno.Pipe, _s.Run(() => F.Host.SockSend(F.View, fd, Iovs, 1, 0, DatalenPtr)));
        Assert.Equal([S, S, S, S], F.Bytes(DatalenPtr, 4));
    }

    [Fact]
    public void SockSend_WithoutFdWriteRight_ReturnsNotcapable()
    {
        var (_, fd) = _s.Accepted();
        F.Context.Fds.Get(fd)!.RightsBase &= ~Rights.FdWrite;
        _s.PutIovecs(Iovs, (Buf, 4));

        Assert.Equal(Errno.Notcapable, F.Host.SockSend(F.View, fd, Iovs, 1, 0, DatalenPtr));
    }

    [Fact]
    public void SockSend_BufferPastTheEnd_TrapsAndSendsNothing()
    {
        var (peer, fd) = _s.Accepted();
        F.PutString(Buf, "ok");
        _s.PutIovecs(Iovs, (Buf, 2), (65530u, 16));

        Assert.Throws<WasiTrap>(() => F.Host.SockSend(F.View, fd, Iovs, 2, 0, DatalenPtr));
        Thread.Sleep(50);
        Assert.Equal(0, peer.Available);
    }

    // ---- sock_shutdown ----

    [Fact]
    public void SockShutdown_Wr_PeerSeesEndOfStream()
    {
        var (peer, fd) = _s.Accepted();

        Assert.Equal(Errno.Success, F.Host.SockShutdown(F.View, fd, (uint)Sdflags.Wr));

        Assert.Equal(0, peer.Receive(new byte[8])); // ReceiveTimeout bounds it
    }

    [Fact]
    public void SockShutdown_Rd_GuestReadsEndOfStream()
    {
        var (_, fd) = _s.Accepted();

        Assert.Equal(Errno.Success, F.Host.SockShutdown(F.View, fd, (uint)Sdflags.Rd));

        _s.PutIovecs(Iovs, (Buf, 8));
        Assert.Equal(Errno.Success, _s.Run(() => F.Host.SockRecv(F.View, fd, Iovs, 1, 0, DatalenPtr, RoflagsPtr)));
        Assert.Equal(0u, F.U32(DatalenPtr));
    }

    [Theory]
    [InlineData(4, 0u, Errno.Inval)]     // no direction
    [InlineData(4, 4u, Errno.Inval)]     // unknown bit
    [InlineData(10, 4u, Errno.Inval)]    // unknown bits first
    [InlineData(10, 3u, Errno.Badf)]
    [InlineData(0, 3u, Errno.Notsock)]
    [InlineData(2, 1u, Errno.Notsock)]
    [InlineData(0, 0u, Errno.Notsock)]   // the descriptor is judged before the empty direction
    public void SockShutdown_Errors(int fd, uint how, Errno expected)
    {
        _s.Accepted(); // fd 4

        Assert.Equal(expected, F.Host.SockShutdown(F.View, fd, how));
    }

    [Fact]
    public void SockShutdown_UnconnectedSocket_ReturnsNotconn()
    {
        using var unconnected = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Equal(Errno.Success, F.Context.Fds.Add(new SocketConnectionFd(unconnected), out var fd));

        Assert.Equal(Errno.Notconn, F.Host.SockShutdown(F.View, fd, (uint)(Sdflags.Rd | Sdflags.Wr)));
    }

    [Fact]
    public void SockShutdown_WithoutTheRight_ReturnsNotcapable()
    {
        var (_, fd) = _s.Accepted();
        F.Context.Fds.Get(fd)!.RightsBase &= ~Rights.SockShutdown;

        Assert.Equal(Errno.Notcapable, F.Host.SockShutdown(F.View, fd, (uint)Sdflags.Wr));
    }

    // ---- the descriptors themselves (fd_read, fd_write, fdstat, poll readiness) ----

    [Fact]
    public void Connection_ReadAndWrite_WorkAsRecvAndSend()
    {
        var (peer, fd) = _s.Accepted();
        var connection = F.Context.Fds.Get(fd)!;

        Assert.Equal(Errno.Success, connection.Write("ping"u8, out var written));
        Assert.Equal(4, written);
        Assert.Equal("ping", ReceiveExactly(peer, 4));

        peer.Send("pong"u8);
        _s.WaitForBytes(fd, 4);
        var buffer = new byte[8];
        var read = 0;
        Assert.Equal(Errno.Success, _s.Run(() => connection.Read(buffer, out read)));
        Assert.Equal("pong", Encoding.ASCII.GetString(buffer, 0, read));
    }

    [Fact]
    public void Connection_SetFlags_TogglesNonblockOnly()
    {
        var (_, fd) = _s.Accepted();
        var connection = F.Context.Fds.Get(fd)!;

        Assert.Equal(Errno.Success, connection.SetFlags(Fdflags.Nonblock));
        Assert.Equal(Fdflags.Nonblock, connection.Flags);
        Assert.Equal(Errno.Success, connection.SetFlags(Fdflags.None));
        Assert.Equal(Fdflags.None, connection.Flags);
        Assert.Equal(Errno.Inval, connection.SetFlags(Fdflags.Append | Fdflags.Nonblock));
        Assert.Equal(Fdflags.None, connection.Flags);
    }

    [Fact]
    public void Connection_Fdstat_IsSocketStreamWithoutSeekRights()
    {
        var (_, fd) = _s.Accepted();
        var connection = F.Context.Fds.Get(fd)!;

        Assert.Equal(Filetype.SocketStream, connection.Filetype);
        Assert.Equal(SocketFd.SocketRights, connection.RightsBase);
        Assert.Equal(Rights.None, connection.RightsBase & (Rights.FdSeek | Rights.FdTell));
        Assert.Equal(Errno.Spipe, connection.Seek(0, Whence.Cur, out _));
        Assert.Equal(Errno.Success, connection.FilestatGet(out var stat));
        Assert.Equal(Filetype.SocketStream, stat.Filetype);
    }

    [Fact]
    public void Connection_ReadReady_ReportsQueuedBytes()
    {
        var (peer, fd) = _s.Accepted();
        var connection = F.Context.Fds.Get(fd)!;

        Assert.False(connection.ReadReady(out _));
        peer.Send("hello"u8);
        _s.WaitForBytes(fd, 5);

        Assert.True(connection.ReadReady(out var available));
        Assert.Equal(5ul, available);
    }

    [Fact]
    public void Listener_ReadReady_WhenAConnectionIsPending()
    {
        var listener = F.Context.Fds.Get(SocketFixture.ListenerFd)!;
        Assert.False(listener.ReadReady(out _));

        _s.Connect();

        var deadline = DateTime.UtcNow + SocketFixture.Timeout;
        while (listener.ReadReady(out _) != true && DateTime.UtcNow < deadline) Thread.Sleep(5);
        Assert.True(listener.ReadReady(out _));
    }

    [Fact]
    public void Listener_Fdstat_IsSocketStreamWithSockAccept()
    {
        var listener = F.Context.Fds.Get(SocketFixture.ListenerFd)!;

        Assert.IsType<SocketListenerFd>(listener);
        Assert.Equal(Filetype.SocketStream, listener.Filetype);
        Assert.Equal(SocketFd.SocketRights, listener.RightsBase);
        Assert.Equal(Rights.None, listener.RightsBase & (Rights.FdSeek | Rights.FdTell));
        Assert.Equal(Rights.None, listener.RightsInheriting);
    }

    // ---- preopening (WasiContext.Listeners.cs) ----

    [Fact]
    public void Context_ListenersAfterDirectories_InTheOrderGiven()
    {
        using var dir = new TempDir();
        var first = ListenerSockets.Open(ListenAddress.Parse("127.0.0.1:0"));
        var second = ListenerSockets.Open(ListenAddress.Parse("127.0.0.1:0"));
        using var f = new HostFixture(new WasiOptions { Preopens = [new(dir.Path, "/data", false)], Listeners = [first, second] });

        Assert.IsType<HostDirectoryFd>(f.Context.Fds.Get(3));
        Assert.Same(first, ((SocketListenerFd)f.Context.Fds.Get(4)!).Socket);
        Assert.Same(second, ((SocketListenerFd)f.Context.Fds.Get(5)!).Socket);
    }

    [Fact]
    public void Context_SocketNotListening_ThrowsSetupErrorAndClosesIt()
    {
        var bound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        bound.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));

        var e = Assert.Throws<WasiSetupException>(() => new WasiContext(new WasiOptions { Listeners = [bound] }));

        Assert.Contains("not a listening TCP socket", e.Message);
        Assert.Throws<ObjectDisposedException>(() => bound.LocalEndPoint);
    }

    [Fact]
    public void Context_NoRoomForTheListener_ThrowsSetupErrorAndClosesIt()
    {
        var listener = ListenerSockets.Open(ListenAddress.Parse("127.0.0.1:0"));

        var e = Assert.Throws<WasiSetupException>(() => new WasiContext(new WasiOptions { Listeners = [listener], MaxOpenFiles = 3 }));

        Assert.Contains("--max-open-files 3", e.Message);
        Assert.Throws<ObjectDisposedException>(() => listener.LocalEndPoint);
    }

    private static string ReceiveExactly(Socket peer, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = peer.Receive(buffer, got, count - got, SocketFlags.None); // ReceiveTimeout bounds it
            if (n == 0) break;
            got += n;
        }
        return Encoding.ASCII.GetString(buffer, 0, got);
    }
}
