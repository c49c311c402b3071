using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.State;

// The socket operations (sock_accept, sock_recv, sock_send, sock_shutdown). A descriptor is not a socket unless it
// says so: every default is ENOTSOCK, as Wasmtime answers for an open descriptor that is no socket (a closed number is
// EBADF, decided by the fd table before any of these is reached). Sockets override them in State/Socket*.cs.
public abstract partial class WasiFd
{
    /// <summary>
    /// Accepts one pending connection of a listening socket. <paramref name="flags"/> (only
    /// <see cref="Fdflags.Nonblock"/>, checked by the caller) are the new descriptor's flags; whether the call itself
    /// waits depends on this descriptor's own nonblock flag, as with POSIX <c>accept4</c>.
    /// </summary>
    public virtual Errno Accept(Fdflags flags, out WasiFd accepted)
    {
        accepted = null!;
        return Errno.Notsock;
    }

    /// <summary>
    /// Receives into <paramref name="buffer"/>: 0 bytes received means the peer has finished sending.
    /// <see cref="Riflags.RecvPeek"/> leaves the data queued; <see cref="Riflags.RecvWaitall"/> waits until the buffer
    /// is full, the peer finished, or (nonblocking) nothing more is there.
    /// </summary>
    public virtual Errno Recv(Span<byte> buffer, Riflags flags, out int received)
    {
        received = 0;
        return Errno.Notsock;
    }

    /// <summary>Sends from <paramref name="data"/>; a blocking socket sends all of it, a nonblocking one what fits.</summary>
    public virtual Errno Send(ReadOnlySpan<byte> data, out int sent)
    {
        sent = 0;
        return Errno.Notsock;
    }

    /// <summary>Shuts down the receive side, the send side or both (<paramref name="how"/> already validated: non-zero, known bits only).</summary>
    public virtual Errno Shutdown(Sdflags how) => Errno.Notsock;
}
