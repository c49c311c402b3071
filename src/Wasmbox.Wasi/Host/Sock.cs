using System.Buffers;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;
using Wasmbox.Wasi.Net;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Host;

// The Sock group: a p1 guest cannot open sockets, it serves connections on listeners preopened by --listen
// (WasiContext.Listeners.cs). The descriptors are State/Socket*.cs; the socket errors are mapped in Net/SocketErrnoMapping.
//
// Order of checks in every call, following Wasmtime where it has one (its p1 sockets only answer EBADF/ENOTSOCK): flag
// bits no type defines (EINVAL, as wiggle decodes them before the call), then the descriptor (EBADF when nothing is
// open at that number, ENOTSOCK when it is no socket),
// then the remaining argument rules (EINVAL), rights (ENOTCAPABLE), then guest pointers (trap) — all before the socket
// is touched, so a failing call consumes no connection and no data.
public sealed partial class WasiHost
{
    /// <summary>
    /// <c>sock_accept(fd, flags) → fd</c>: accepts a connection on the listening socket <paramref name="fd"/> and
    /// gives it the lowest free descriptor number, filetype socket_stream, with fdflags <paramref name="flags"/>.
    /// Waits for a connection unless the listener is nonblocking (fd_fdstat_set_flags), as POSIX <c>accept4</c>.
    /// </summary>
    /// <param name="fd">The listening socket.</param>
    /// <param name="flags">fdflags of the new descriptor: 0 or NONBLOCK.</param>
    /// <param name="fdPtr">Where the new descriptor number is written.</param>
    /// <returns>
    /// <list type="bullet">
    /// <item><see cref="Errno.Success"/>: a connection was accepted and its number written.</item>
    /// <item><see cref="Errno.Inval"/>: <paramref name="flags"/> has a bit other than NONBLOCK; or <paramref name="fd"/> is a socket that is not listening.</item>
    /// <item><see cref="Errno.Badf"/>: no descriptor is open at <paramref name="fd"/>.</item>
    /// <item><see cref="Errno.Notsock"/>: <paramref name="fd"/> is a file, directory or stdio, not a socket.</item>
    /// <item><see cref="Errno.Notcapable"/>: the descriptor's rights lack sock_accept.</item>
    /// <item><see cref="Errno.Mfile"/>: <c>--max-open-files</c> leaves no free descriptor (the connection stays pending).</item>
    /// <item><see cref="Errno.Again"/>: the listener is nonblocking and no connection is pending.</item>
    /// <item><see cref="Errno.Canceled"/>: the listener was closed under the waiting call (the run is being stopped).</item>
    /// </list>
    /// Traps when <paramref name="fdPtr"/> is out of bounds or not 4-aligned (checked before accepting).
    /// </returns>
    /// <remarks>
    /// Layout written:
    /// <code>
    /// fdPtr+0: fd u32  the new descriptor number
    /// </code>
    /// See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_accept
    /// </remarks>
    public Errno SockAccept(GuestMemory memory, int fd, uint flags, uint fdPtr)
    {
        if ((flags & ~(uint)SockKnownFdflags) != 0) return Errno.Inval;
        var errno = SockAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        var fdflags = (Fdflags)flags;
        if ((fdflags & ~Fdflags.Nonblock) != 0) return Errno.Inval;
        if ((socket.RightsBase & Rights.SockAccept) == 0) return Errno.Notcapable;
        memory.ReadU32(fdPtr); // bounds and alignment: trap before a connection is taken off the queue

        // Why check the quota before accepting: a connection accepted and then closed for want of a number would be
        // lost to the guest; refused first, it stays pending for a later sock_accept.
        if (Context.Fds.MaxOpen is { } max && Context.Fds.Count >= max)
        {
            Context.Quotas.OpenFilesLimitHit = true;
            return Errno.Mfile;
        }
        if (!Context.Quotas.TakeSocket())
            return Refuse(Errno.Mfile, $"sock_accept: --max-connections {Context.Quotas.MaxConnections} sockets are open");
        errno = socket.Accept(fdflags, out var connection);
        if (errno != Errno.Success)
        {
            Context.Quotas.ReturnSocket();
            return errno;
        }
        ((SocketFd)connection).HoldsConnectionPlace = true;
        errno = Context.Fds.Add(connection, out var number);
        if (errno != Errno.Success)
        {
            connection.Dispose();
            if (errno == Errno.Mfile) Context.Quotas.OpenFilesLimitHit = true;
            return errno;
        }
        Context.Quotas.CountConnection();
        memory.WriteU32(fdPtr, (uint)number);
        return Errno.Success;
    }

    /// <summary>
    /// <c>sock_recv(fd, ri_data, ri_flags) → (size, roflags)</c>: receives from a connected socket into the buffers
    /// of <paramref name="riData"/>, in order. Waits for data unless the socket is nonblocking; once some data arrived
    /// it fills further buffers only with what is already there (unless RECV_WAITALL). 0 bytes means the peer has
    /// finished sending.
    /// </summary>
    /// <param name="fd">A connected socket.</param>
    /// <param name="riData">Address of an iovec array (4-aligned, 8 bytes per element).</param>
    /// <param name="riDataLen">Number of iovecs.</param>
    /// <param name="riFlags">riflags: RECV_PEEK (the data stays queued), RECV_WAITALL (wait until every buffer is full or the stream ends).</param>
    /// <param name="roDatalenPtr">Where the number of bytes received is written (u32).</param>
    /// <param name="roFlagsPtr">Where roflags are written (u16): always 0, data_truncated being for datagrams only.</param>
    /// <returns>
    /// <list type="bullet">
    /// <item><see cref="Errno.Success"/>: data (or end of stream) received and both results written.</item>
    /// <item><see cref="Errno.Inval"/>: <paramref name="riFlags"/> has an unknown bit.</item>
    /// <item><see cref="Errno.Badf"/>: no descriptor is open at <paramref name="fd"/>.</item>
    /// <item><see cref="Errno.Notsock"/>: <paramref name="fd"/> is not a socket.</item>
    /// <item><see cref="Errno.Notcapable"/>: the descriptor's rights lack fd_read.</item>
    /// <item><see cref="Errno.Overflow"/>: the buffer lengths add up to more than 2^32-1.</item>
    /// <item><see cref="Errno.Notconn"/>: the socket is a listener, or not connected.</item>
    /// <item><see cref="Errno.Again"/>: nonblocking and nothing to receive.</item>
    /// <item><see cref="Errno.Connreset"/> and the other network errnos: as the OS reports them.</item>
    /// </list>
    /// Traps when the iovec array, a buffer or an out-pointer is out of bounds or misaligned (before receiving).
    /// </returns>
    /// <remarks>
    /// Layout written:
    /// <code>
    /// roDatalenPtr+0: size    u32  bytes received
    /// roFlagsPtr+0:   roflags u16  0
    /// </code>
    /// See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_recv
    /// </remarks>
    public Errno SockRecv(GuestMemory memory, int fd, uint riData, uint riDataLen, uint riFlags, uint roDatalenPtr, uint roFlagsPtr)
    {
        if ((riFlags & ~(uint)(Riflags.RecvPeek | Riflags.RecvWaitall)) != 0) return Errno.Inval;
        var errno = SockAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        if ((socket.RightsBase & Rights.FdRead) == 0) return Errno.Notcapable;
        var flags = (Riflags)riFlags;
        errno = SocketIovecs.Read(memory, riData, riDataLen, out var buffers, out var total);
        if (errno != Errno.Success) return errno;
        memory.ReadU32(roDatalenPtr);
        memory.ReadU16(roFlagsPtr);

        errno = (flags & Riflags.RecvPeek) != 0 && buffers.Length > 1
            ? SockPeekScattered(memory, socket, buffers, total, flags, out var received)
            : SockReceiveScattered(memory, socket, buffers, flags, out received);
        if (errno != Errno.Success) return errno;
        memory.WriteU32(roDatalenPtr, received);
        memory.WriteU16(roFlagsPtr, (ushort)Roflags.None);
        return Errno.Success;
    }

    /// <summary>
    /// <c>sock_send(fd, si_data, si_flags) → size</c>: sends the buffers of <paramref name="siData"/>, in order, on a
    /// connected socket. A blocking socket sends everything; a nonblocking one what fits (a short count), EAGAIN when nothing fits.
    /// </summary>
    /// <param name="fd">A connected socket.</param>
    /// <param name="siData">Address of a ciovec array (4-aligned, 8 bytes per element).</param>
    /// <param name="siDataLen">Number of ciovecs.</param>
    /// <param name="siFlags">siflags: the spec defines no bit, so it must be 0.</param>
    /// <param name="soDatalenPtr">Where the number of bytes sent is written (u32).</param>
    /// <returns>
    /// <list type="bullet">
    /// <item><see cref="Errno.Success"/>: bytes sent and their number written.</item>
    /// <item><see cref="Errno.Badf"/>: no descriptor is open at <paramref name="fd"/>.</item>
    /// <item><see cref="Errno.Notsock"/>: <paramref name="fd"/> is not a socket.</item>
    /// <item><see cref="Errno.Inval"/>: <paramref name="siFlags"/> is not 0.</item>
    /// <item><see cref="Errno.Notcapable"/>: the descriptor's rights lack fd_write.</item>
    /// <item><see cref="Errno.Overflow"/>: the buffer lengths add up to more than 2^32-1.</item>
    /// <item><see cref="Errno.Pipe"/>: the sending side was shut down, or the peer is gone.</item>
    /// <item><see cref="Errno.Notconn"/>, <see cref="Errno.Connreset"/>, <see cref="Errno.Again"/> …: as the OS reports them.</item>
    /// </list>
    /// Traps when the ciovec array, a buffer or <paramref name="soDatalenPtr"/> is out of bounds or misaligned (before sending).
    /// </returns>
    /// <remarks>
    /// Layout written:
    /// <code>
    /// soDatalenPtr+0: size u32  bytes sent
    /// </code>
    /// See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_send
    /// </remarks>
    public Errno SockSend(GuestMemory memory, int fd, uint siData, uint siDataLen, uint siFlags, uint soDatalenPtr)
    {
        var errno = SockAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        if (siFlags != 0) return Errno.Inval;
        if ((socket.RightsBase & Rights.FdWrite) == 0) return Errno.Notcapable;
        errno = SocketIovecs.Read(memory, siData, siDataLen, out var buffers, out _);
        if (errno != Errno.Success) return errno;
        memory.ReadU32(soDatalenPtr);

        uint sent = 0;
        foreach (var buffer in buffers)
        {
            errno = socket.Send(memory.Slice(buffer.Ptr, buffer.Len), out var n);
            if (errno != Errno.Success)
            {
                // Bytes already sent cannot be taken back: report them; the error shows again on the next call.
                if (sent > 0) break;
                return errno;
            }
            sent += (uint)n;
            if ((uint)n < buffer.Len) break;
        }
        memory.WriteU32(soDatalenPtr, sent);
        return Errno.Success;
    }

    /// <summary><c>sock_shutdown(fd, how)</c>: shuts down the receiving side (RD), the sending side (WR, the peer then reads end of stream) or both.</summary>
    /// <param name="fd">A socket.</param>
    /// <param name="how">sdflags: RD, WR or both; 0 is not a direction.</param>
    /// <returns>
    /// <list type="bullet">
    /// <item><see cref="Errno.Success"/>: shut down.</item>
    /// <item><see cref="Errno.Inval"/>: <paramref name="how"/> is 0 or has an unknown bit.</item>
    /// <item><see cref="Errno.Badf"/>: no descriptor is open at <paramref name="fd"/>.</item>
    /// <item><see cref="Errno.Notsock"/>: <paramref name="fd"/> is not a socket.</item>
    /// <item><see cref="Errno.Notcapable"/>: the descriptor's rights lack sock_shutdown.</item>
    /// <item><see cref="Errno.Notconn"/>: the OS says the socket is not connected.</item>
    /// </list>
    /// </returns>
    /// <remarks>See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_shutdown</remarks>
    public Errno SockShutdown(GuestMemory memory, int fd, uint how)
    {
        if ((how & ~(uint)(Sdflags.Rd | Sdflags.Wr)) != 0) return Errno.Inval;
        var errno = SockAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        if (how == 0) return Errno.Inval;
        if ((socket.RightsBase & Rights.SockShutdown) == 0) return Errno.Notcapable;
        return socket.Shutdown((Sdflags)how);
    }

    // Names in this file start with Sock: WasiHost is one class split over the group files.
    private const Fdflags SockKnownFdflags = Fdflags.Append | Fdflags.Dsync | Fdflags.Nonblock | Fdflags.Rsync | Fdflags.Sync;

    /// <summary>The socket open at <paramref name="fd"/>: EBADF when none is open there, ENOTSOCK when it is another kind.</summary>
    private Errno SockAt(int fd, out WasiFd socket)
    {
        socket = Context.Fds.Get(fd)!;
        if (socket is null) return Errno.Badf;
        return socket.Filetype is Filetype.SocketStream or Filetype.SocketDgram ? Errno.Success : Errno.Notsock;
    }

    /// <summary>Receives into the buffers in order; after the first, only what is already queued (or everything, with WAITALL).</summary>
    private static Errno SockReceiveScattered(GuestMemory memory, WasiFd socket, GuestBuffer[] buffers, Riflags flags, out uint received)
    {
        received = 0;
        var waitAll = (flags & Riflags.RecvWaitall) != 0;
        for (var i = 0; i < buffers.Length; i++)
        {
            // Why: readv semantics: a call that already has data must not block waiting to fill the next buffer.
            if (i > 0 && !waitAll && (socket.ReadReady(out var available) != true || available == 0)) break;
            var errno = socket.Recv(memory.Slice(buffers[i].Ptr, buffers[i].Len), flags, out var n);
            if (errno != Errno.Success)
            {
                if (received > 0) break;
                return errno;
            }
            received += (uint)n;
            if ((uint)n < buffers[i].Len) break;
        }
        return Errno.Success;
    }

    /// <summary>
    /// RECV_PEEK over several buffers: one peek into a host buffer, then scattered, because peeking buffer by buffer
    /// would give every buffer the same first bytes.
    /// </summary>
    private static Errno SockPeekScattered(GuestMemory memory, WasiFd socket, GuestBuffer[] buffers, uint total, Riflags flags, out uint received)
    {
        received = 0;
        // Why the cap: a peek may return less than asked; a guest asking to peek at gigabytes gets the first MiB.
        var size = (int)Math.Min(total, SockMaxPeekBytes);
        var rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var errno = socket.Recv(rented.AsSpan(0, size), flags, out var n);
            if (errno != Errno.Success) return errno;
            ReadOnlySpan<byte> data = rented.AsSpan(0, n);
            foreach (var buffer in buffers)
            {
                if (data.IsEmpty) break;
                var take = (int)Math.Min(buffer.Len, (uint)data.Length);
                data[..take].CopyTo(memory.Slice(buffer.Ptr, (uint)take));
                data = data[take..];
            }
            received = (uint)n;
            return Errno.Success;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private const uint SockMaxPeekBytes = 1 << 20;
}
