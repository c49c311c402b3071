using System.Net.Sockets;
using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Net;

/// <summary>The one place where .NET socket errors become WASI errnos (the socket twin of <c>Fs/ErrnoMapping</c>).</summary>
public static class SocketErrnoMapping
{
    /// <summary>
    /// Maps a <see cref="SocketError"/>. .NET has already folded the Linux errno into this enum (EPIPE becomes
    /// <see cref="SocketError.Shutdown"/>, EAGAIN <see cref="SocketError.WouldBlock"/>), so this maps it back to the
    /// errno a POSIX guest expects; a code WASI has no name for becomes <see cref="Errno.Io"/>.
    /// </summary>
    public static Errno ToWasi(SocketError error) => error switch
    {
        SocketError.Success => Errno.Success,
        SocketError.SocketError => Errno.Io,
        SocketError.IOPending => Errno.Inprogress,
        SocketError.Interrupted => Errno.Intr,
        SocketError.AccessDenied => Errno.Acces,
        SocketError.Fault => Errno.Fault,
        SocketError.InvalidArgument => Errno.Inval,
        SocketError.TooManyOpenSockets => Errno.Mfile,
        SocketError.WouldBlock => Errno.Again,
        SocketError.InProgress => Errno.Inprogress,
        SocketError.AlreadyInProgress => Errno.Already,
        SocketError.NotSocket => Errno.Notsock,
        SocketError.DestinationAddressRequired => Errno.Destaddrreq,
        SocketError.MessageSize => Errno.Msgsize,
        SocketError.ProtocolType => Errno.Prototype,
        SocketError.ProtocolOption => Errno.Noprotoopt,
        SocketError.ProtocolNotSupported => Errno.Protonosupport,
        SocketError.SocketNotSupported => Errno.Protonosupport,
        SocketError.OperationNotSupported => Errno.Notsup,
        SocketError.ProtocolFamilyNotSupported => Errno.Afnosupport,
        SocketError.AddressFamilyNotSupported => Errno.Afnosupport,
        SocketError.AddressAlreadyInUse => Errno.Addrinuse,
        SocketError.AddressNotAvailable => Errno.Addrnotavail,
        SocketError.NetworkDown => Errno.Netdown,
        SocketError.NetworkUnreachable => Errno.Netunreach,
        SocketError.NetworkReset => Errno.Netreset,
        SocketError.ConnectionAborted => Errno.Connaborted,
        SocketError.ConnectionReset => Errno.Connreset,
        SocketError.NoBufferSpaceAvailable => Errno.Nobufs,
        SocketError.IsConnected => Errno.Isconn,
        SocketError.NotConnected => Errno.Notconn,
        // Why EPIPE: .NET reports the Linux EPIPE (writing after shutdown or after the peer closed) as Shutdown.
        SocketError.Shutdown => Errno.Pipe,
        SocketError.TimedOut => Errno.Timedout,
        SocketError.ConnectionRefused => Errno.Connrefused,
        SocketError.HostDown => Errno.Hostunreach,
        SocketError.HostUnreachable => Errno.Hostunreach,
        SocketError.ProcessLimit => Errno.Nfile,
        SocketError.SystemNotReady => Errno.Io,
        SocketError.VersionNotSupported => Errno.Notsup,
        SocketError.NotInitialized => Errno.Io,
        SocketError.Disconnecting => Errno.Pipe,
        SocketError.TypeNotFound => Errno.Notsup,
        SocketError.HostNotFound => Errno.Io,
        SocketError.TryAgain => Errno.Again,
        SocketError.NoRecovery => Errno.Io,
        SocketError.NoData => Errno.Io,
        // Why ECANCELED: the socket was closed under a blocked call (the context was disposed to stop the guest).
        SocketError.OperationAborted => Errno.Canceled,
    };
}
