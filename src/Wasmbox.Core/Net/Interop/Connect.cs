using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Wasmbox.Core.Net.Interop;

/// <summary>A nonblocking <c>connect(2)</c> that reports EINPROGRESS as a value, not as an exception.</summary>
/// <remarks>
/// Why: <see cref="Socket.Connect(EndPoint)"/> on a nonblocking socket throws a <see cref="SocketException"/> for the
/// EINPROGRESS that every nonblocking connect starts with, and building that exception cost more than the connect
/// itself (the connect benchmark: bench/RESULTS.md, issue 11). The address is .NET's own serialisation of the endpoint,
/// which on Unix is the native <c>sockaddr</c>.
/// </remarks>
public static unsafe partial class NativeConnect
{
    private const int EINPROGRESS = 115, EINTR = 4;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, byte* address, uint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getsockname(int fd, byte* address, uint* length);

    /// <summary>The socket's local address from the kernel (<c>getsockname</c>), whatever .NET recorded; null when it has none.</summary>
    public static IPEndPoint? LocalEndPoint(Socket socket)
    {
        var family = socket.AddressFamily;
        var address = new SocketAddress(family, family == AddressFamily.InterNetworkV6 ? 28 : 16);
        Span<byte> buffer = stackalloc byte[address.Size];
        uint length = (uint)buffer.Length;
        var added = false;
        socket.SafeHandle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = buffer)
                if (getsockname((int)socket.SafeHandle.DangerousGetHandle(), p, &length) != 0) return null;
        }
        finally
        {
            if (added) socket.SafeHandle.DangerousRelease();
        }
        buffer.CopyTo(address.Buffer.Span);
        return (IPEndPoint)new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(address);
    }

    private const int F_DUPFD_CLOEXEC = 1030;

    /// <summary>
    /// A new <see cref="Socket"/> over a duplicate of <paramref name="socket"/>'s descriptor, nonblocking; the old one is
    /// disposed. Why: .NET records a socket's state only for the calls made through it, so after a <c>connect</c> it
    /// did not see, it refuses <c>ReceiveFrom</c> ("call Bind first") and has no local address. A socket made from a
    /// descriptor asks the kernel instead, as the jail's sockets from the broker do.
    /// </summary>
    public static Socket Rewrap(Socket socket)
    {
        int copy;
        var added = false;
        socket.SafeHandle.DangerousAddRef(ref added);
        try { copy = fcntl((int)socket.SafeHandle.DangerousGetHandle(), F_DUPFD_CLOEXEC, 3); }
        finally
        {
            if (added) socket.SafeHandle.DangerousRelease();
        }
        if (copy < 0) throw new SocketException(Marshal.GetLastPInvokeError());
        socket.Dispose();
        var wrapped = new Socket(new SafeSocketHandle(copy, ownsHandle: true));
        wrapped.Blocking = false;
        return wrapped;
    }

    /// <summary>Starts connecting <paramref name="socket"/> (nonblocking) to <paramref name="endPoint"/>: Success, or the socket error.</summary>
    public static SocketError Start(Socket socket, IPEndPoint endPoint)
    {
        var address = endPoint.Serialize();
        Span<byte> buffer = stackalloc byte[address.Size];
        address.Buffer.Span[..address.Size].CopyTo(buffer);
        var added = false;
        socket.SafeHandle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    if (connect((int)socket.SafeHandle.DangerousGetHandle(), p, (uint)buffer.Length) == 0) return SocketError.Success;
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    if (errno == EINPROGRESS) return SocketError.Success;
                    return SocketErrorOf(errno);
                }
            }
        }
        finally
        {
            if (added) socket.SafeHandle.DangerousRelease();
        }
    }

    /// <summary>The <see cref="SocketError"/> .NET gives the Linux errno (only those a connect can return).</summary>
    private static SocketError SocketErrorOf(int errno) => errno switch
    {
        13 or 1 => SocketError.AccessDenied,
        98 => SocketError.AddressAlreadyInUse,
        99 => SocketError.AddressNotAvailable,
        97 => SocketError.AddressFamilyNotSupported,
        11 => SocketError.WouldBlock,
        114 => SocketError.AlreadyInProgress,
        111 => SocketError.ConnectionRefused,
        106 => SocketError.IsConnected,
        101 => SocketError.NetworkUnreachable,
        113 => SocketError.HostUnreachable,
        110 => SocketError.TimedOut,
        22 => SocketError.InvalidArgument,
        9 => SocketError.OperationAborted,
        _ => SocketError.SocketError,
    };
}
