using System.Net.Sockets;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Net;

namespace Wasmbox.Wasi.State;

/// <summary>
/// A TCP socket the guest holds: a preopened listener (<see cref="SocketListenerFd"/>) or a connection it accepted
/// (<see cref="SocketConnectionFd"/>). Reads, writes, shutdown and readiness go to the OS, whose answer is mapped in
/// <see cref="SocketErrnoMapping"/>; fd_read/fd_write on a socket are sock_recv/sock_send without flags.
/// </summary>
/// <remarks>
/// Every operation uses the synchronous <see cref="System.Net.Sockets.Socket"/> calls that report a
/// <see cref="SocketError"/> instead of throwing. The socket is owned: disposing the descriptor closes it, which
/// also ends a call blocked on it (the guest sees ECANCELED), so disposing the context stops a guest stuck in accept
/// or recv. Under a deadline a blocking receive or accept does not enter the kernel until the socket polls readable
/// (<see cref="Fs.Blocking.WaitReady"/>), so it throws <see cref="OperationCanceledException"/> at the deadline; a
/// send cut short by the registry's close throws it too, rather than returning an errno the guest might retry.
/// </remarks>
public abstract class SocketFd : WasiFd
{
    /// <summary>
    /// The rights of every socket, listener or connection alike. Why one set: a right the socket lacks would answer
    /// ENOTCAPABLE where POSIX gives the real reason (recv on a listener is ENOTCONN, accept on a connection EINVAL);
    /// rights only refuse what the guest itself dropped with fd_fdstat_set_rights. No seek or tell: a stream has no offset.
    /// </summary>
    public const Rights SocketRights = Rights.FdRead | Rights.FdWrite | Rights.SockAccept | Rights.SockShutdown
        | Rights.PollFdReadwrite | Rights.FdFdstatSetFlags | Rights.FdFilestatGet;

    private protected SocketFd(Socket socket, SocketRegistry? registry, Quotas? quotas = null)
        : this(registry, quotas) => Attach(socket);

    /// <summary>A socket whose host socket comes later (<see cref="Attach"/>): a WASIX socket before its bind or connect.</summary>
    private protected SocketFd(SocketRegistry? registry, Quotas? quotas)
    {
        Registry = registry;
        Quotas = quotas;
        RightsBase = SocketRights;
        RightsInheriting = Rights.None;
    }

    /// <summary>Where this socket is registered so a deadline can close it from another thread; null in unit tests.</summary>
    private protected SocketRegistry? Registry { get; }

    /// <summary>Where bytes sent and received are counted (<c>--max-net-bytes</c>); null counts nothing.</summary>
    private protected Quotas? Quotas { get; }

    private Socket? _socket;

    /// <summary>The host socket; null only for a WASIX socket not yet bound or connected.</summary>
    public Socket? HostSocket => _socket;

    /// <summary>The host socket of a socket that has one (every caller below checks <see cref="HostSocket"/> first, or is a listener or a connection, which always have one).</summary>
    public Socket Socket => _socket ?? throw new InvalidOperationException("the socket has no host socket yet");

    /// <summary>Gives this descriptor its host socket (once), registered so a deadline can close it.</summary>
    private protected void Attach(Socket socket)
    {
        _socket = socket;
        Registry?.Add(socket);
    }

    public override Filetype Filetype => Filetype.SocketStream;

    public override Rights KindRights => SocketRights;

    public override bool Pollable(bool write) => true;

    /// <summary>A socket has no offset: ESPIPE, as lseek(2) answers on one.</summary>
    public override Errno Seek(long offset, Whence whence, out ulong newOffset)
    {
        newOffset = 0;
        return Errno.Spipe;
    }

    /// <summary>ESPIPE, as pread(2) answers on a socket.</summary>
    public override Errno Pread(Span<byte> buffer, ulong offset, out int read)
    {
        read = 0;
        return Errno.Spipe;
    }

    /// <summary>ESPIPE, as pwrite(2) answers on a socket.</summary>
    public override Errno Pwrite(ReadOnlySpan<byte> data, ulong offset, out int written)
    {
        written = 0;
        return Errno.Spipe;
    }

    /// <summary>The guest's nonblock flag for a socket with no host socket yet; applied when it gets one.</summary>
    private protected bool PendingNonblock { get; set; }

    public override Fdflags Flags => (_socket is null ? !PendingNonblock : _socket.Blocking) ? Fdflags.None : Fdflags.Nonblock;

    /// <summary>Only <see cref="Fdflags.Nonblock"/> can be set or cleared on a socket; any other flag is EINVAL.</summary>
    public override Errno SetFlags(Fdflags flags)
    {
        if ((flags & ~Fdflags.Nonblock) != 0) return Errno.Inval;
        if (_socket is null)
        {
            PendingNonblock = (flags & Fdflags.Nonblock) != 0;
            return Errno.Success;
        }
        try { Socket.Blocking = (flags & Fdflags.Nonblock) == 0; }
        catch (ObjectDisposedException) { return Errno.Badf; }
        catch (SocketException e) { return SocketErrnoMapping.ToWasi(e.SocketErrorCode); }
        return Errno.Success;
    }

    public override Errno Read(Span<byte> buffer, out int read) => Recv(buffer, Riflags.None, out read);

    public override Errno Write(ReadOnlySpan<byte> data, out int written) => Send(data, out written);

    /// <summary>A socket that is not listening cannot accept: EINVAL, as POSIX <c>accept</c> on a connected socket.</summary>
    public override Errno Accept(Fdflags flags, out WasiFd accepted)
    {
        accepted = null!;
        return Errno.Inval;
    }

    /// <summary>
    /// Accepts the next connection of this listening socket: waits for one unless the socket is nonblocking (then EAGAIN
    /// when none is pending). The connection gets <paramref name="flags"/> (nonblock or not) and shares this socket's
    /// registry and quotas.
    /// </summary>
    private protected Errno AcceptConnection(Fdflags flags, out WasiFd accepted)
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
        accepted = new SocketConnectionFd(connection, Registry, Quotas);
        return Errno.Success;
    }

    public override Errno Recv(Span<byte> buffer, Riflags flags, out int received)
    {
        received = 0;
        if (buffer.IsEmpty) return Errno.Success;
        if (_socket is null) return Errno.Notconn;
        var room = NetRoom(buffer.Length);
        if (room == 0) return Errno.Dquot;
        buffer = buffer[..room];
        try
        {
            var peek = (flags & Riflags.RecvPeek) != 0;
            Errno errno;
            if ((flags & Riflags.RecvWaitall) == 0)
                errno = Receive(buffer, peek ? SocketFlags.Peek : SocketFlags.None, out received);
            else
                errno = peek ? PeekAll(buffer, out received) : ReceiveAll(buffer, out received);
            if (!peek) Quotas?.CountReceived(received);
            return errno;
        }
        catch (ObjectDisposedException) { return Errno.Badf; }
    }

    public override Errno Send(ReadOnlySpan<byte> data, out int sent)
    {
        sent = 0;
        if (data.IsEmpty) return Errno.Success;
        if (_socket is null) return NotConnectedSend;
        var room = NetRoom(data.Length);
        if (room == 0) return Errno.Dquot;
        data = data[..room];
        try
        {
            sent = Socket.Send(data, SocketFlags.None, out var error);
            Interrupt.ThrowIfCancellationRequested();
            Quotas?.CountSent(sent);
            // A nonblocking send that moved some bytes before the buffer filled is a short write, not an error.
            return error == SocketError.Success || sent > 0 ? Errno.Success : SocketErrnoMapping.ToWasi(error);
        }
        catch (ObjectDisposedException) { return Errno.Badf; }
    }

    public override Errno Shutdown(Sdflags how)
    {
        var direction = how switch
        {
            Sdflags.Rd => SocketShutdown.Receive,
            Sdflags.Wr => SocketShutdown.Send,
            _ => SocketShutdown.Both,
        };
        if (_socket is null) return Errno.Notconn;
        try { Socket.Shutdown(direction); }
        catch (ObjectDisposedException) { return Errno.Badf; }
        catch (SocketException e) { return SocketErrnoMapping.ToWasi(e.SocketErrorCode); }
        return Errno.Success;
    }

    /// <summary>Readable now (data, a pending connection, or the peer's end of stream); bytes queued in <paramref name="bytesAvailable"/>.</summary>
    public override bool? ReadReady(out ulong bytesAvailable)
    {
        bytesAvailable = 0;
        // A socket with nothing behind it polls as hung up, as POSIX poll answers for an unconnected TCP socket.
        if (_socket is null) return true;
        try
        {
            var ready = Socket.Poll(0, SelectMode.SelectRead);
            if (ready) bytesAvailable = (ulong)Math.Max(0, Socket.Available);
            return ready;
        }
        catch (ObjectDisposedException) { return true; }
        catch (SocketException) { return true; }
    }

    /// <summary>
    /// For a blocking socket under a deadline: waits until a receive or accept would not block (Fs/Blocking). A
    /// nonblocking one is left to answer EAGAIN itself.
    /// </summary>
    /// <exception cref="OperationCanceledException">The deadline passed while waiting.</exception>
    private protected void WaitReadable()
    {
        if (Interrupt.CanBeCanceled && Socket.Blocking) Fs.Blocking.WaitReady(Socket.SafeHandle, Net.Interop.Sys.POLLIN, Interrupt);
    }

    /// <summary>Writable now: connected and with room to send (a connect in progress is not), or failed so that a send reports why.</summary>
    public override bool? WriteReady()
    {
        if (_socket is null) return true;
        try { return _socket.Poll(0, SelectMode.SelectWrite) || _socket.Poll(0, SelectMode.SelectError); }
        catch (ObjectDisposedException) { return true; }
        catch (SocketException) { return true; }
    }

    /// <summary>What a send on a socket with no host socket answers: ENOTCONN for a stream; a datagram socket overrides it.</summary>
    private protected virtual Errno NotConnectedSend => Errno.Notconn;

    /// <summary>How many of <paramref name="wanted"/> bytes <c>--max-net-bytes</c> still allows (all without a quota).</summary>
    private protected int NetRoom(int wanted) => Quotas?.NetRoom(wanted) ?? wanted;

    /// <summary>Set when this socket holds a place under <c>--max-connections</c>, given back when it closes.</summary>
    internal bool HoldsConnectionPlace { get; set; }

    public override void Dispose()
    {
        if (HoldsConnectionPlace)
        {
            HoldsConnectionPlace = false;
            Quotas?.ReturnSocket();
        }
        if (_socket is null) return;
        Registry?.Remove(_socket);
        _socket.Dispose();
    }

    private Errno Receive(Span<byte> buffer, SocketFlags flags, out int received)
    {
        WaitReadable();
        received = Socket.Receive(buffer, flags, out var error);
        return SocketErrnoMapping.ToWasi(error);
    }

    /// <summary>RECV_WAITALL without peek: receives until the buffer is full or the stream ends.</summary>
    /// <remarks>Why a loop: .NET does not pass MSG_WAITALL through. As Linux does, a short count is returned when the
    /// stream ends, an error follows some data, or a nonblocking socket runs dry after some data.</remarks>
    private Errno ReceiveAll(Span<byte> buffer, out int received)
    {
        received = 0;
        while (received < buffer.Length)
        {
            WaitReadable();
            var n = Socket.Receive(buffer[received..], SocketFlags.None, out var error);
            if (error != SocketError.Success) return received > 0 ? Errno.Success : SocketErrnoMapping.ToWasi(error);
            if (n == 0) break;
            received += n;
        }
        return Errno.Success;
    }

    /// <summary>RECV_PEEK with RECV_WAITALL: waits until the whole buffer can be peeked, or the peer stops sending.</summary>
    /// <remarks>Why the short sleeps: while some data is queued the socket polls readable at once, so there is nothing
    /// to block on until the rest arrives; <c>POLLRDHUP</c> tells when the peer has finished and no more will come.</remarks>
    private Errno PeekAll(Span<byte> buffer, out int received)
    {
        while (true)
        {
            var errno = Receive(buffer, SocketFlags.Peek, out received);
            if (errno != Errno.Success || received == 0 || received == buffer.Length || !Socket.Blocking) return errno;
            var events = Net.Interop.Sys.PollNow((int)Socket.Handle, Net.Interop.Sys.POLLRDHUP);
            if ((events & (Net.Interop.Sys.POLLRDHUP | Net.Interop.Sys.POLLHUP | Net.Interop.Sys.POLLERR | Net.Interop.Sys.POLLNVAL)) != 0)
                return Receive(buffer, SocketFlags.Peek, out received);
            Interrupt.ThrowIfCancellationRequested();
            Thread.Sleep(1);
        }
    }
}
