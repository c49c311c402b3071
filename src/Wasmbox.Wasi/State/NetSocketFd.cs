using System.Net;
using System.Net.Sockets;
using Wasmbox.Core.Net;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Net;

namespace Wasmbox.Wasi.State;

/// <summary>
/// A socket the guest opened itself with WASIX <c>sock_open</c>: TCP or UDP, IPv4 or IPv6. It has no host socket until
/// the guest binds or connects it; then the <see cref="ISocketOpener"/> opens one (in the jail, the parent's broker),
/// and from there on it behaves as any socket of <see cref="SocketFd"/>.
/// </summary>
/// <remarks>
/// <para>Why the host socket is made late: in the jail the worker cannot create network sockets at all, and the
/// broker opens one only for a destination or local address it can check. A socket with no address yet has nothing to
/// check, so it exists only here until it gets one.</para>
/// <para>The policy check is the caller's (<c>WasiHost</c>); this class does what POSIX would with the socket.</para>
/// </remarks>
public sealed class NetSocketFd : SocketFd
{
    private readonly ISocketOpener _opener;
    private SocketOpenOptions _options;
    private bool? _noDelay, _keepAlive;
    private readonly Dictionary<WasixSockOption, ulong> _sizes = [];
    private readonly Dictionary<WasixSockOption, ulong?> _times = [];
    private State _state = State.Fresh;

    /// <summary>Where the socket was connected: what getpeername answers (kept, as .NET does not record a connect that completed later).</summary>
    private IPEndPoint? _peer;

    private enum State { Fresh, Bound, Listening, Connecting, Connected, Failed }

    public NetSocketFd(AddressFamily family, SocketType type, ISocketOpener opener, SocketRegistry? registry, Quotas? quotas)
        : base(registry, quotas)
    {
        Family = family;
        Type = type;
        _opener = opener;
    }

    public AddressFamily Family { get; }

    public SocketType Type { get; }

    public override Filetype Filetype => Type == SocketType.Dgram ? Filetype.SocketDgram : Filetype.SocketStream;

    /// <summary>The WASIX status: opening until bound, connected or listening (and while a connect is in progress).</summary>
    public WasixSockStatus Status => _state switch
    {
        State.Fresh or State.Connecting => WasixSockStatus.Opening,
        State.Failed => WasixSockStatus.Failed,
        _ => WasixSockStatus.Opened,
    };

    /// <summary>Binds to <paramref name="local"/> through the opener. EINVAL when already bound or connected.</summary>
    /// <param name="refusal">Why the opener's own policy refused, when it did.</param>
    public Errno Bind(IPEndPoint local, out string? refusal)
    {
        refusal = null;
        if (local.AddressFamily != Family) return Errno.Afnosupport;
        if (HostSocket is not null) return Errno.Inval;
        var errno = _opener.Open(new SocketRequest(SocketRequestKind.Bind, Type, local, _options), out var socket, out refusal);
        if (errno != Errno.Success) return errno;
        AttachHost(socket!);
        _state = State.Bound;
        return Errno.Success;
    }

    /// <summary>Starts listening; a socket not bound yet is bound to the unspecified address and any port first (as Linux does), which the policy must allow.</summary>
    public Errno Listen(int backlog, out string? refusal)
    {
        refusal = null;
        if (Type != SocketType.Stream) return Errno.Notsup;
        if (_state is State.Connecting or State.Connected) return Errno.Inval;
        if (_state == State.Listening) return Errno.Success;
        if (HostSocket is null)
        {
            var any = new IPEndPoint(Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            var errno = Bind(any, out refusal);
            if (errno != Errno.Success) return errno;
        }
        try { Socket.Listen(Math.Clamp(backlog, 1, MaxBacklog)); }
        catch (SocketException e) { return SocketErrnoMapping.ToWasi(e.SocketErrorCode); }
        catch (ObjectDisposedException) { return Errno.Badf; }
        _state = State.Listening;
        return Errno.Success;
    }

    public override Errno Accept(Fdflags flags, out WasiFd accepted)
    {
        accepted = null!;
        return _state == State.Listening ? AcceptConnection(flags, out accepted) : Errno.Inval;
    }

    /// <summary>
    /// Connects to <paramref name="destination"/> (already allowed by the caller's check). TCP: a nonblocking socket
    /// answers EINPROGRESS while the connection is being made; a blocking one waits for it (until the deadline).
    /// UDP: sets the peer. A bound TCP socket is replaced by one the opener connects (its local address is the host's
    /// choice: docs/wasi-deviations.md).
    /// </summary>
    public Errno Connect(IPEndPoint destination, out string? refusal)
    {
        refusal = null;
        if (destination.AddressFamily != Family) return Errno.Afnosupport;
        switch (_state)
        {
            case State.Listening: return Errno.Inval;
            case State.Connected when Type == SocketType.Stream: return Errno.Isconn;
            case State.Connecting: return FinishConnect(wait: false) is var e && e == Errno.Success ? Errno.Isconn : e == Errno.Inprogress ? Errno.Already : e;
        }
        var errno = _opener.Open(new SocketRequest(SocketRequestKind.Connect, Type, destination, _options), out var socket, out refusal);
        if (errno != Errno.Success) return errno;
        if (HostSocket is not null) DetachHost();
        AttachHost(socket!, keepNonblocking: true);
        _peer = destination;
        if (Type == SocketType.Dgram)
        {
            socket!.Blocking = !PendingNonblock;
            _state = State.Connected;
            return Errno.Success;
        }
        _state = State.Connecting;
        return FinishConnect(wait: !PendingNonblock);
    }

    /// <summary>
    /// Sends one datagram to <paramref name="destination"/> (already allowed by the caller). A UDP socket with no host
    /// socket gets one from the opener, connected to this first destination. On a stream socket the address is
    /// ignored, as Linux does for a connected TCP socket.
    /// </summary>
    public Errno SendTo(ReadOnlySpan<byte> data, IPEndPoint destination, out int sent, out string? refusal)
    {
        sent = 0;
        refusal = null;
        if (Type == SocketType.Stream) return Send(data, out sent);
        if (destination.AddressFamily != Family) return Errno.Afnosupport;
        if (HostSocket is null)
        {
            var errno = _opener.Open(new SocketRequest(SocketRequestKind.Connect, Type, destination, _options), out var socket, out refusal);
            if (errno != Errno.Success) return errno;
            AttachHost(socket!);
            _peer = destination;
            _state = State.Connected;
        }
        var room = NetRoom(data.Length);
        if (room < data.Length) return Errno.Dquot; // a datagram is all or nothing
        try
        {
            // To the peer the socket was opened for: a plain send, which carries no address (the broker's layer then
            // holds even against a worker that is not trusted to choose one).
            sent = destination.Equals(_peer) ? Socket.Send(data, SocketFlags.None) : Socket.SendTo(data, SocketFlags.None, destination);
            Interrupt.ThrowIfCancellationRequested();
            Quotas?.CountSent(sent);
            return Errno.Success;
        }
        catch (SocketException e) { return SocketErrnoMapping.ToWasi(e.SocketErrorCode); }
        catch (ObjectDisposedException) { return Errno.Badf; }
    }

    /// <summary>Receives one datagram (or stream data) and who sent it; a datagram longer than the buffer is cut, with <paramref name="truncated"/> set.</summary>
    public Errno RecvFrom(Span<byte> buffer, Riflags flags, out int received, out IPEndPoint? from, out bool truncated)
    {
        received = 0;
        from = null;
        truncated = false;
        if (HostSocket is null) return Errno.Notconn;
        if (Type == SocketType.Stream)
        {
            var errno = Recv(buffer, flags, out received);
            if (errno == Errno.Success) from = _peer ?? PeerOrNull();
            return errno;
        }
        var room = NetRoom(buffer.Length);
        if (room == 0 && buffer.Length > 0) return Errno.Dquot;
        buffer = buffer[..room];
        try
        {
            if (Interrupt.CanBeCanceled && Socket.Blocking) Fs.Blocking.WaitReady(Socket.SafeHandle, Net.Interop.Sys.POLLIN, Interrupt);
            EndPoint any = new IPEndPoint(Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            var socketFlags = (flags & Riflags.RecvPeek) != 0 ? SocketFlags.Peek : SocketFlags.None;
            try { received = Socket.ReceiveFrom(buffer, socketFlags, ref any); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
            {
                received = buffer.Length;
                truncated = true;
            }
            from = (IPEndPoint)any;
            if ((flags & Riflags.RecvPeek) == 0) Quotas?.CountReceived(received);
            return Errno.Success;
        }
        catch (SocketException e) { return SocketErrnoMapping.ToWasi(e.SocketErrorCode); }
        catch (ObjectDisposedException) { return Errno.Badf; }
    }

    /// <summary>The local address: the unspecified address and port 0 before the socket is bound, as getsockname answers.</summary>
    public Errno LocalAddress(out IPEndPoint local)
    {
        local = new IPEndPoint(Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        if (HostSocket is null) return Errno.Success;
        try
        {
            // .NET knows the address only of a socket it bound itself; one connected by connect(2) is asked of the kernel.
            local = Socket.LocalEndPoint as IPEndPoint ?? Core.Net.Interop.NativeConnect.LocalEndPoint(Socket) ?? local;
            return Errno.Success;
        }
        catch (SocketException e) { return SocketErrnoMapping.ToWasi(e.SocketErrorCode); }
        catch (ObjectDisposedException) { return Errno.Badf; }
    }

    /// <summary>The peer: ENOTCONN unless connected.</summary>
    public Errno PeerAddress(out IPEndPoint peer)
    {
        peer = null!;
        if (_state == State.Connecting) FinishConnect(wait: false);
        if (_state != State.Connected) return Errno.Notconn;
        if (_peer is null) return Errno.Notconn;
        peer = _peer;
        return Errno.Success;
    }

    // ---- options ----

    /// <summary>A boolean option; options set before the socket exists are kept and applied when it is made.</summary>
    public Errno SetFlag(WasixSockOption option, bool value)
    {
        switch (option)
        {
            case WasixSockOption.ReuseAddr: return Pending(SocketOpenOptions.ReuseAddress, value, s => s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, value));
            case WasixSockOption.ReusePort: return Pending(SocketOpenOptions.ReusePort, value, s => HostSockets.SetReusePort(s, value));
            case WasixSockOption.OnlyV6:
                // Every IPv6 socket is IPv6-only (HostSockets): asking for dual-stack is refused, not silently ignored.
                if (Family != AddressFamily.InterNetworkV6) return Errno.Inval;
                return value ? Errno.Success : Errno.Notsup;
            case WasixSockOption.Broadcast:
                if (Type != SocketType.Dgram) return Errno.Inval;
                return Pending(SocketOpenOptions.Broadcast, value, s => s.EnableBroadcast = value);
            case WasixSockOption.NoDelay:
                if (Type != SocketType.Stream) return Errno.Inval;
                _noDelay = value;
                return Apply(s => s.NoDelay = value);
            case WasixSockOption.KeepAlive:
                _keepAlive = value;
                return Apply(s => s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, value));
            case WasixSockOption.Noop:
                return Errno.Success;
            case WasixSockOption.Listening or WasixSockOption.LastError or WasixSockOption.Type or WasixSockOption.Proto:
                return Errno.Inval; // read-only
            case WasixSockOption.DontRoute or WasixSockOption.OobInline or WasixSockOption.Promiscuous
                or WasixSockOption.MulticastLoopV4 or WasixSockOption.MulticastLoopV6:
                return Errno.Notsup;
            default:
                return Errno.Inval; // a size or time option through the flag call
        }
    }

    public Errno GetFlag(WasixSockOption option, out bool value)
    {
        value = false;
        switch (option)
        {
            case WasixSockOption.ReuseAddr: value = (_options & SocketOpenOptions.ReuseAddress) != 0; return Errno.Success;
            case WasixSockOption.ReusePort: value = (_options & SocketOpenOptions.ReusePort) != 0; return Errno.Success;
            case WasixSockOption.OnlyV6: value = Family == AddressFamily.InterNetworkV6; return Errno.Success;
            case WasixSockOption.Broadcast: value = (_options & SocketOpenOptions.Broadcast) != 0; return Errno.Success;
            case WasixSockOption.NoDelay: value = HostSocket is { } s && Type == SocketType.Stream ? s.NoDelay : _noDelay ?? false; return Errno.Success;
            case WasixSockOption.KeepAlive: value = _keepAlive ?? false; return Errno.Success;
            case WasixSockOption.Listening: value = _state == State.Listening; return Errno.Success;
            case WasixSockOption.Noop: return Errno.Success;
            case WasixSockOption.DontRoute or WasixSockOption.OobInline or WasixSockOption.Promiscuous
                or WasixSockOption.MulticastLoopV4 or WasixSockOption.MulticastLoopV6:
                return Errno.Notsup;
            default: return Errno.Inval;
        }
    }

    /// <summary>A size option: buffer sizes and the TTL; kept until the socket exists when set before.</summary>
    public Errno SetSize(WasixSockOption option, ulong size)
    {
        if (option is not (WasixSockOption.RecvBufSize or WasixSockOption.SendBufSize or WasixSockOption.Ttl or WasixSockOption.MulticastTtlV4))
            return option is WasixSockOption.RecvLowat or WasixSockOption.SendLowat ? Errno.Notsup : Errno.Inval;
        if (size > int.MaxValue || (option is WasixSockOption.Ttl or WasixSockOption.MulticastTtlV4 && size is 0 or > 255)) return Errno.Inval;
        _sizes[option] = size;
        return Apply(s => ApplySize(s, option, (int)size));
    }

    public Errno GetSize(WasixSockOption option, out ulong size)
    {
        size = 0;
        switch (option)
        {
            case WasixSockOption.Type: size = (ulong)(Type == SocketType.Dgram ? WasixSockType.Dgram : WasixSockType.Stream); return Errno.Success;
            case WasixSockOption.Proto: size = (ulong)(Type == SocketType.Dgram ? WasixSockProto.Udp : WasixSockProto.Tcp); return Errno.Success;
            case WasixSockOption.RecvBufSize or WasixSockOption.SendBufSize or WasixSockOption.Ttl or WasixSockOption.MulticastTtlV4:
                if (HostSocket is { } s)
                {
                    try
                    {
                        size = option switch
                        {
                            WasixSockOption.RecvBufSize => (ulong)s.ReceiveBufferSize,
                            WasixSockOption.SendBufSize => (ulong)s.SendBufferSize,
                            WasixSockOption.Ttl => (ulong)s.Ttl,
                            _ => _sizes.TryGetValue(option, out var ttl) ? ttl : 1ul,
                        };
                    }
                    catch (SocketException e) { return SocketErrnoMapping.ToWasi(e.SocketErrorCode); }
                    return Errno.Success;
                }
                size = _sizes.TryGetValue(option, out var kept) ? kept : option is WasixSockOption.Ttl ? 64ul : option is WasixSockOption.MulticastTtlV4 ? 1ul : 0ul;
                return Errno.Success;
            case WasixSockOption.RecvLowat or WasixSockOption.SendLowat: size = 1; return Errno.Success;
            default: return Errno.Inval;
        }
    }

    /// <summary>A time option (null: none). Receive and send timeouts are applied to the host socket; the others are kept and reported.</summary>
    public Errno SetTime(WasixSockOption option, ulong? nanoseconds)
    {
        if (option is not (WasixSockOption.RecvTimeout or WasixSockOption.SendTimeout or WasixSockOption.ConnectTimeout
            or WasixSockOption.AcceptTimeout or WasixSockOption.Linger))
            return Errno.Inval;
        _times[option] = nanoseconds;
        return Apply(s => ApplyTime(s, option, nanoseconds));
    }

    public Errno GetTime(WasixSockOption option, out ulong? nanoseconds)
    {
        nanoseconds = null;
        if (option is not (WasixSockOption.RecvTimeout or WasixSockOption.SendTimeout or WasixSockOption.ConnectTimeout
            or WasixSockOption.AcceptTimeout or WasixSockOption.Linger))
            return Errno.Inval;
        nanoseconds = _times.GetValueOrDefault(option);
        return Errno.Success;
    }

    // ---- helpers ----

    private Errno Pending(SocketOpenOptions option, bool value, Action<Socket> apply)
    {
        _options = value ? _options | option : _options & ~option;
        return Apply(apply);
    }

    private Errno Apply(Action<Socket> apply)
    {
        if (HostSocket is not { } socket) return Errno.Success;
        try { apply(socket); return Errno.Success; }
        catch (SocketException e) { return SocketErrnoMapping.ToWasi(e.SocketErrorCode); }
        catch (ObjectDisposedException) { return Errno.Badf; }
    }

    private static void ApplySize(Socket socket, WasixSockOption option, int size)
    {
        switch (option)
        {
            case WasixSockOption.RecvBufSize: socket.ReceiveBufferSize = size; break;
            case WasixSockOption.SendBufSize: socket.SendBufferSize = size; break;
            case WasixSockOption.Ttl: socket.Ttl = (short)size; break;
            case WasixSockOption.MulticastTtlV4 when socket.AddressFamily == AddressFamily.InterNetwork:
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, size); break;
        }
    }

    private static void ApplyTime(Socket socket, WasixSockOption option, ulong? nanoseconds)
    {
        var ms = nanoseconds is { } ns ? (int)Math.Min(int.MaxValue, Math.Max(1, ns / 1_000_000)) : 0;
        switch (option)
        {
            case WasixSockOption.RecvTimeout: socket.ReceiveTimeout = ms; break;
            case WasixSockOption.SendTimeout: socket.SendTimeout = ms; break;
            case WasixSockOption.Linger: socket.LingerState = new LingerOption(nanoseconds is not null, nanoseconds is { } l ? (int)Math.Min(65535, l / 1_000_000_000) : 0); break;
        }
    }

    /// <summary>Takes the opener's socket and applies what the guest set before it existed.</summary>
    private void AttachHost(Socket socket, bool keepNonblocking = false)
    {
        Attach(socket);
        try
        {
            if (_noDelay is { } noDelay && Type == SocketType.Stream) socket.NoDelay = noDelay;
            if (_keepAlive is { } keepAlive) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, keepAlive);
            foreach (var (option, size) in _sizes) ApplySize(socket, option, (int)size);
            foreach (var (option, time) in _times) ApplyTime(socket, option, time);
            if (!keepNonblocking) socket.Blocking = !PendingNonblock;
        }
        catch (SocketException) { } // an option the host refuses does not undo the bind or connect
    }

    private void DetachHost()
    {
        var old = HostSocket!;
        Registry?.Remove(old);
        old.Dispose();
    }

    /// <summary>
    /// Checks (or, with <paramref name="wait"/>, waits for) a TCP connect in progress: Success once connected (the
    /// socket then takes the guest's blocking mode), EINPROGRESS while it is not, or the error that ended it.
    /// </summary>
    private Errno FinishConnect(bool wait)
    {
        var socket = Socket;
        try
        {
            if (wait)
            {
                var timeout = _times.GetValueOrDefault(WasixSockOption.ConnectTimeout);
                var deadline = timeout is { } ns ? Environment.TickCount64 + (long)Math.Min(ns / 1_000_000, int.MaxValue) : long.MaxValue;
                while (!socket.Poll(ConnectSliceMicros, SelectMode.SelectWrite) && !socket.Poll(0, SelectMode.SelectError))
                {
                    Interrupt.ThrowIfCancellationRequested();
                    if (Environment.TickCount64 >= deadline) { _state = State.Failed; return Errno.Timedout; }
                }
            }
            else if (!socket.Poll(0, SelectMode.SelectWrite) && !socket.Poll(0, SelectMode.SelectError))
            {
                return Errno.Inprogress;
            }
            var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (error != SocketError.Success)
            {
                _state = State.Failed;
                return SocketErrnoMapping.ToWasi(error);
            }
            _state = State.Connected;
            socket.Blocking = !PendingNonblock;
            return Errno.Success;
        }
        catch (SocketException e) { _state = State.Failed; return SocketErrnoMapping.ToWasi(e.SocketErrorCode); }
        catch (ObjectDisposedException) { return Errno.Badf; }
    }

    private IPEndPoint? PeerOrNull()
    {
        try { return HostSocket?.RemoteEndPoint as IPEndPoint; }
        catch (SocketException) { return null; }
        catch (ObjectDisposedException) { return null; }
    }

    /// <summary>A datagram socket with no peer yet: a send has no destination.</summary>
    private protected override Errno NotConnectedSend => Type == SocketType.Dgram ? Errno.Destaddrreq : Errno.Notconn;

    private const int MaxBacklog = 1024;
    private const int ConnectSliceMicros = 50_000;
}
