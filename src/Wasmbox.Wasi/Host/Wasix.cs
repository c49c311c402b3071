using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Wasmbox.Core.Net;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;
using Wasmbox.Wasi.Net;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Host;

// The WASIX socket calls (import module wasix_32v1), from the public WASIX reference (wasix.org API reference,
// wasix-libc's api_wasix.h). The guest opens its own sockets; every bind, connect, send_to and resolve is checked
// against --allow-net here (the host's layer) and again by the opener (the broker's layer in the jail). A refused
// destination is EACCES, as Linux answers a connect that a firewall rule or an LSM refuses (docs/wasi-deviations.md).
//
// Order of checks, as in Sock.cs: unknown argument values (EINVAL), the descriptor (EBADF, ENOTSOCK), rights
// (ENOTCAPABLE), then guest pointers (trap) — all before the socket is touched, then the policy (EACCES).
public sealed partial class WasiHost
{
    /// <summary><c>sock_open(af, socktype, sock_proto) → fd</c>: a new TCP or UDP socket, IPv4 or IPv6, with no address yet.</summary>
    /// <returns>
    /// <list type="bullet">
    /// <item><see cref="Errno.Success"/>: the socket's number written at <paramref name="fdPtr"/>.</item>
    /// <item><see cref="Errno.Afnosupport"/>: <paramref name="af"/> is not inet4 or inet6 (Unix sockets are not served).</item>
    /// <item><see cref="Errno.Protonosupport"/>: a raw or seqpacket socket, or a protocol other than 0, TCP (stream), UDP (dgram).</item>
    /// <item><see cref="Errno.Inval"/>: an unknown socket type.</item>
    /// <item><see cref="Errno.Acces"/>: the policy has no <c>--allow-net</c> rule: the sandbox has no network.</item>
    /// <item><see cref="Errno.Mfile"/>: <c>--max-connections</c> sockets are open, or <c>--max-open-files</c> descriptors.</item>
    /// </list>
    /// Traps when <paramref name="fdPtr"/> is out of bounds or not 4-aligned.
    /// </returns>
    public Errno SockOpen(GuestMemory memory, uint af, uint socktype, uint proto, uint fdPtr)
    {
        var family = (WasixFamily)af switch
        {
            WasixFamily.Inet4 when af <= byte.MaxValue => AddressFamily.InterNetwork,
            WasixFamily.Inet6 when af <= byte.MaxValue => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        if (family == AddressFamily.Unknown) return Errno.Afnosupport;
        SocketType type;
        switch (socktype)
        {
            case (uint)WasixSockType.Stream: type = SocketType.Stream; break;
            case (uint)WasixSockType.Dgram: type = SocketType.Dgram; break;
            case (uint)WasixSockType.Raw or (uint)WasixSockType.Seqpacket: return Errno.Protonosupport;
            default: return Errno.Inval;
        }
        if (proto != (uint)WasixSockProto.Ip && proto != (uint)(type == SocketType.Stream ? WasixSockProto.Tcp : WasixSockProto.Udp))
            return Errno.Protonosupport;
        memory.ReadU32(fdPtr);
        if (Context.Options.Net.IsNone && !Context.Options.SkipNetCheck)
        {
            Context.Quotas.CountRefusedConnection();
            return Refuse(Errno.Acces, "sock_open: no --allow-net rule, so the sandbox has no network");
        }
        if (!Context.Quotas.TakeSocket())
            return Refuse(Errno.Mfile, $"sock_open: --max-connections {Context.Quotas.MaxConnections} sockets are open");
        var socket = new NetSocketFd(family, type, Context.SocketOpener, Context.Sockets, Context.Quotas) { HoldsConnectionPlace = true };
        var errno = Context.Fds.Add(socket, out var number);
        if (errno != Errno.Success)
        {
            socket.Dispose();
            if (errno == Errno.Mfile) Context.Quotas.OpenFilesLimitHit = true;
            return errno;
        }
        socket.Interrupt = Context.Fds.Interrupt;
        memory.WriteU32(fdPtr, (uint)number);
        return Errno.Success;
    }

    /// <summary><c>sock_bind(fd, addr)</c>: binds a socket from sock_open to a local address a bind rule allows (port 0: any free port).</summary>
    /// <returns>EACCES when no bind rule allows the address; EINVAL when already bound; EAFNOSUPPORT for another family; the OS's errno (EADDRINUSE …) otherwise. Traps on a bad <paramref name="addrPtr"/>.</returns>
    public Errno SockBind(GuestMemory memory, int fd, uint addrPtr)
    {
        var errno = WasixSocketAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        errno = WasixAddress.ReadAddrPort(memory, addrPtr, out var local);
        if (errno != Errno.Success) return errno;
        if (local.AddressFamily != socket.Family) return Errno.Afnosupport;
        errno = CheckNet(new SocketRequest(SocketRequestKind.Bind, socket.Type, local, SocketOpenOptions.None), "sock_bind");
        if (errno != Errno.Success) return errno;
        errno = socket.Bind(local, out var refusal);
        return Opened(errno, refusal, "sock_bind");
    }

    /// <summary><c>sock_listen(fd, backlog)</c>: makes a TCP socket accept connections (an unbound one is bound to the unspecified address first, which a bind rule must allow).</summary>
    public Errno SockListen(GuestMemory memory, int fd, uint backlog)
    {
        var errno = WasixSocketAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        if (socket.HostSocket is null)
        {
            var any = new IPEndPoint(socket.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            errno = CheckNet(new SocketRequest(SocketRequestKind.Bind, socket.Type, any, SocketOpenOptions.None), "sock_listen");
            if (errno != Errno.Success) return errno;
        }
        errno = socket.Listen((int)Math.Min(backlog, int.MaxValue), out var refusal);
        return Opened(errno, refusal, "sock_listen");
    }

    /// <summary><c>sock_connect(fd, addr)</c>: connects to a destination a connect rule allows (UDP: sets the peer).</summary>
    /// <returns>EACCES when the policy refuses it; EINPROGRESS on a nonblocking TCP socket; EISCONN, EALREADY, ECONNREFUSED … as POSIX. Traps on a bad <paramref name="addrPtr"/>.</returns>
    public Errno SockConnect(GuestMemory memory, int fd, uint addrPtr)
    {
        var errno = WasixSocketAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        errno = WasixAddress.ReadAddrPort(memory, addrPtr, out var destination);
        if (errno != Errno.Success) return errno;
        if (destination.AddressFamily != socket.Family) return Errno.Afnosupport;
        errno = CheckNet(new SocketRequest(SocketRequestKind.Connect, socket.Type, destination, SocketOpenOptions.None), "sock_connect");
        if (errno != Errno.Success) return errno;
        errno = socket.Connect(destination, out var refusal);
        if (errno != Errno.Inprogress) return Opened(errno, refusal, "sock_connect");
        Context.Quotas.CountConnection();
        return errno;
    }

    /// <summary><c>sock_accept_v2(fd, flags) → (fd, addr)</c>: sock_accept that also gives the peer's address.</summary>
    public Errno SockAcceptV2(GuestMemory memory, int fd, uint flags, uint fdPtr, uint addrPtr)
    {
        if ((flags & ~(uint)SockKnownFdflags) != 0) return Errno.Inval;
        var errno = SockAt(fd, out var listener);
        if (errno != Errno.Success) return errno;
        WasixAddress.RequireAddrPort(memory, addrPtr);
        errno = SockAccept(memory, fd, flags, fdPtr);
        if (errno != Errno.Success) return errno;
        var accepted = Context.Fds.Get((int)memory.ReadU32(fdPtr)) as SocketFd;
        var peer = accepted?.HostSocket?.RemoteEndPoint as IPEndPoint;
        WasixAddress.WriteAddrPort(memory, addrPtr, peer ?? new IPEndPoint(IPAddress.Any, 0));
        return Errno.Success;
    }

    /// <summary><c>sock_send_to(fd, si_data, si_flags, addr) → size</c>: sends one datagram to a destination a connect rule allows.</summary>
    public Errno SockSendTo(GuestMemory memory, int fd, uint siData, uint siDataLen, uint siFlags, uint addrPtr, uint soDatalenPtr)
    {
        var errno = WasixSocketAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        if (siFlags != 0) return Errno.Inval;
        if ((socket.RightsBase & Rights.FdWrite) == 0) return Errno.Notcapable;
        errno = SocketIovecs.Read(memory, siData, siDataLen, out var buffers, out var total);
        if (errno != Errno.Success) return errno;
        memory.ReadU32(soDatalenPtr);
        errno = WasixAddress.ReadAddrPort(memory, addrPtr, out var destination);
        if (errno != Errno.Success) return errno;
        if (destination.AddressFamily != socket.Family) return Errno.Afnosupport;
        // A stream socket ignores the address, as Linux does on a connected TCP socket: an ordinary send.
        if (socket.Type == SocketType.Stream) return SockSend(memory, fd, siData, siDataLen, siFlags, soDatalenPtr);
        errno = CheckNet(new SocketRequest(SocketRequestKind.Connect, socket.Type, destination, SocketOpenOptions.None), "sock_send_to");
        if (errno != Errno.Success) return errno;
        // A datagram is one message: gathered first, so it is bounded first (EMSGSIZE, as Linux answers past UDP's limit),
        // never a host buffer as large as the guest's buffers claim to be.
        if (total > SockMaxDatagramBytes) return Errno.Msgsize;
        var data = ArrayPool<byte>.Shared.Rent((int)total);
        try
        {
            var at = 0;
            foreach (var buffer in buffers)
            {
                memory.Slice(buffer.Ptr, buffer.Len).CopyTo(data.AsSpan(at));
                at += (int)buffer.Len;
            }
            var hadSocket = socket.HostSocket is not null;
            errno = socket.SendTo(data.AsSpan(0, (int)total), destination, out var sent, out var refusal);
            if (!hadSocket) errno = Opened(errno, refusal, "sock_send_to");
            if (errno != Errno.Success) return errno;
            memory.WriteU32(soDatalenPtr, (uint)sent);
            return Errno.Success;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    /// <summary><c>sock_recv_from(fd, ri_data, ri_flags) → (size, roflags, addr)</c>: receives one datagram and its sender.</summary>
    public Errno SockRecvFrom(GuestMemory memory, int fd, uint riData, uint riDataLen, uint riFlags, uint roDatalenPtr, uint roFlagsPtr, uint addrPtr)
    {
        if ((riFlags & ~(uint)(Riflags.RecvPeek | Riflags.RecvWaitall)) != 0) return Errno.Inval;
        var errno = SockAt(fd, out var any);
        if (errno != Errno.Success) return errno;
        if ((any.RightsBase & Rights.FdRead) == 0) return Errno.Notcapable;
        errno = SocketIovecs.Read(memory, riData, riDataLen, out var buffers, out var total);
        if (errno != Errno.Success) return errno;
        memory.ReadU32(roDatalenPtr);
        memory.ReadU16(roFlagsPtr);
        WasixAddress.RequireAddrPort(memory, addrPtr);
        if (any is not NetSocketFd socket)
        {
            // A --listen connection: a stream, whose sender is its peer.
            errno = SockRecv(memory, fd, riData, riDataLen, riFlags, roDatalenPtr, roFlagsPtr);
            if (errno == Errno.Success && (any as SocketFd)?.HostSocket?.RemoteEndPoint is IPEndPoint peer)
                WasixAddress.WriteAddrPort(memory, addrPtr, peer);
            return errno;
        }
        var size = (int)Math.Min(total, SockMaxDatagramBytes);
        var data = ArrayPool<byte>.Shared.Rent(size);
        int received;
        IPEndPoint? from;
        bool truncated;
        try
        {
            errno = socket.RecvFrom(data.AsSpan(0, size), (Riflags)riFlags, out received, out from, out truncated);
            if (errno != Errno.Success) return errno;
            var left = data.AsSpan(0, received);
            foreach (var buffer in buffers)
            {
                if (left.IsEmpty) break;
                var take = (int)Math.Min(buffer.Len, (uint)left.Length);
                left[..take].CopyTo(memory.Slice(buffer.Ptr, (uint)take));
                left = left[take..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
        memory.WriteU32(roDatalenPtr, (uint)received);
        memory.WriteU16(roFlagsPtr, (ushort)(truncated ? Roflags.RecvDataTruncated : Roflags.None));
        WasixAddress.WriteAddrPort(memory, addrPtr, from ?? new IPEndPoint(IPAddress.Any, 0));
        return Errno.Success;
    }

    /// <summary><c>sock_addr_local(fd) → addr</c>: the socket's local address (unspecified and port 0 before it is bound).</summary>
    public Errno SockAddrLocal(GuestMemory memory, int fd, uint addrPtr)
    {
        var errno = SockAt(fd, out var any);
        if (errno != Errno.Success) return errno;
        WasixAddress.RequireAddrPort(memory, addrPtr);
        IPEndPoint local;
        if (any is NetSocketFd socket)
        {
            errno = socket.LocalAddress(out local);
            if (errno != Errno.Success) return errno;
        }
        else if ((any as SocketFd)?.HostSocket?.LocalEndPoint is IPEndPoint found) local = found;
        else return Errno.Inval;
        WasixAddress.WriteAddrPort(memory, addrPtr, local);
        return Errno.Success;
    }

    /// <summary><c>sock_addr_peer(fd) → addr</c>: the connected peer; ENOTCONN when there is none.</summary>
    public Errno SockAddrPeer(GuestMemory memory, int fd, uint addrPtr)
    {
        var errno = SockAt(fd, out var any);
        if (errno != Errno.Success) return errno;
        WasixAddress.RequireAddrPort(memory, addrPtr);
        IPEndPoint peer;
        if (any is NetSocketFd socket)
        {
            errno = socket.PeerAddress(out peer);
            if (errno != Errno.Success) return errno;
        }
        else
        {
            try
            {
                if ((any as SocketFd)?.HostSocket?.RemoteEndPoint is not IPEndPoint found) return Errno.Notconn;
                peer = found;
            }
            catch (SocketException) { return Errno.Notconn; }
        }
        WasixAddress.WriteAddrPort(memory, addrPtr, peer);
        return Errno.Success;
    }

    /// <summary><c>sock_status(fd) → sock_status</c>: opening (no address yet, or connecting), opened, or failed.</summary>
    public Errno SockStatus(GuestMemory memory, int fd, uint statusPtr)
    {
        var errno = SockAt(fd, out var any);
        if (errno != Errno.Success) return errno;
        memory.ReadU8(statusPtr);
        memory.WriteU8(statusPtr, (byte)(any is NetSocketFd socket ? socket.Status : WasixSockStatus.Opened));
        return Errno.Success;
    }

    /// <summary>
    /// <c>resolve(host, port, addrs, naddrs) → count</c>: the addresses of <paramref name="hostPtr"/> that the policy lets
    /// the guest connect to (at <paramref name="port"/>, or any port when 0), at most <paramref name="naddrs"/> of them.
    /// A name no rule names is not looked up (EACCES); a name whose addresses are all refused resolves to none.
    /// </summary>
    public Errno Resolve(GuestMemory memory, uint hostPtr, uint hostLen, uint port, uint addrsPtr, uint naddrs, uint countPtr)
    {
        if (port > ushort.MaxValue) return Errno.Inval;
        var errno = memory.ReadString(hostPtr, hostLen, out var host);
        if (errno != Errno.Success) return errno;
        if (naddrs > 0)
        {
            memory.RequireInBounds(addrsPtr, checked(naddrs * WasixAddress.AddrSize));
            memory.ReadU16(addrsPtr);
        }
        memory.ReadU32(countPtr);
        if (host.Length is 0 or > 253 || host.Contains('\0')) return Errno.Inval;
        int? wantedPort = port == 0 ? null : (int)port;
        var guard = Context.NetGuard;
        var skip = Context.Options.SkipNetCheck;
        if (!skip && !IPAddress.TryParse(host, out _) && !guard.Policy.MayResolve(host))
        {
            Context.Quotas.CountRefusedConnection();
            return Refuse(Errno.Acces, $"resolve {host}: no --allow-net rule names it");
        }
        errno = Context.SocketOpener.Resolve(host, out var found, out var refusal);
        if (errno == Errno.Acces)
        {
            Context.Quotas.CountRefusedConnection();
            if (skip) return Refuse(Errno.Acces, refusal ?? $"resolve {host}: refused");
            // A rule names the name (checked above), so the opener refused its addresses: the name resolves to none.
            Context.Refusals.Add(refusal ?? $"resolve {host}: every address refused", Errno.Acces);
            memory.WriteU32(countPtr, 0);
            return Errno.Success;
        }
        if (errno != Errno.Success) return errno;
        var allowed = skip ? found : guard.Admit(host, found, wantedPort, out refusal);
        if (allowed.Count == 0 && refusal is not null)
        {
            Context.Quotas.CountRefusedConnection();
            Context.Refusals.Add(refusal, Errno.Acces);
        }
        var count = (int)Math.Min((uint)allowed.Count, naddrs);
        for (var i = 0; i < count; i++)
            WasixAddress.WriteAddr(memory, addrsPtr + (uint)i * WasixAddress.AddrSize, allowed[i]);
        memory.WriteU32(countPtr, (uint)count);
        return Errno.Success;
    }

    /// <summary><c>sock_set_opt_flag(fd, sockopt, flag)</c>.</summary>
    public Errno SockSetOptFlag(GuestMemory memory, int fd, uint option, uint flag)
    {
        if (option > byte.MaxValue || flag > 1) return Errno.Inval;
        var errno = WasixSocketAt(fd, out var socket);
        return errno != Errno.Success ? errno : socket.SetFlag((WasixSockOption)option, flag == 1);
    }

    /// <summary><c>sock_get_opt_flag(fd, sockopt) → bool</c> (one byte).</summary>
    public Errno SockGetOptFlag(GuestMemory memory, int fd, uint option, uint flagPtr)
    {
        if (option > byte.MaxValue) return Errno.Inval;
        var errno = WasixSocketAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        memory.ReadU8(flagPtr);
        errno = socket.GetFlag((WasixSockOption)option, out var value);
        if (errno == Errno.Success) memory.WriteU8(flagPtr, value ? (byte)1 : (byte)0);
        return errno;
    }

    /// <summary><c>sock_set_opt_time(fd, sockopt, option_timestamp*)</c>: option_timestamp is a u8 tag (0 none, 1 some) and a u64 at +8.</summary>
    public Errno SockSetOptTime(GuestMemory memory, int fd, uint option, uint timePtr)
    {
        if (option > byte.MaxValue) return Errno.Inval;
        var errno = WasixSocketAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        var tag = memory.ReadU8(timePtr);
        var value = memory.ReadU64(timePtr + 8);
        if (tag > 1) return Errno.Inval;
        return socket.SetTime((WasixSockOption)option, tag == 1 ? value : null);
    }

    /// <summary><c>sock_get_opt_time(fd, sockopt) → option_timestamp</c>.</summary>
    public Errno SockGetOptTime(GuestMemory memory, int fd, uint option, uint timePtr)
    {
        if (option > byte.MaxValue) return Errno.Inval;
        var errno = WasixSocketAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        memory.ReadU64(timePtr + 8);
        memory.RequireInBounds(timePtr, 16);
        errno = socket.GetTime((WasixSockOption)option, out var value);
        if (errno != Errno.Success) return errno;
        memory.Slice(timePtr, 8).Clear();
        memory.WriteU8(timePtr, value is null ? (byte)0 : (byte)1);
        memory.WriteU64(timePtr + 8, value ?? 0);
        return Errno.Success;
    }

    /// <summary><c>sock_set_opt_size(fd, sockopt, size)</c>: buffer sizes and TTLs.</summary>
    public Errno SockSetOptSize(GuestMemory memory, int fd, uint option, ulong size)
    {
        if (option > byte.MaxValue) return Errno.Inval;
        var errno = WasixSocketAt(fd, out var socket);
        return errno != Errno.Success ? errno : socket.SetSize((WasixSockOption)option, size);
    }

    /// <summary><c>sock_get_opt_size(fd, sockopt) → filesize</c>.</summary>
    public Errno SockGetOptSize(GuestMemory memory, int fd, uint option, uint sizePtr)
    {
        if (option > byte.MaxValue) return Errno.Inval;
        var errno = WasixSocketAt(fd, out var socket);
        if (errno != Errno.Success) return errno;
        memory.ReadU64(sizePtr);
        errno = socket.GetSize((WasixSockOption)option, out var size);
        if (errno == Errno.Success) memory.WriteU64(sizePtr, size);
        return errno;
    }

    // ---- helpers ----

    /// <summary>A socket from sock_open at <paramref name="fd"/>: EBADF, ENOTSOCK for a file, EOPNOTSUPP for a --listen socket (it is already bound and listening).</summary>
    private Errno WasixSocketAt(int fd, out NetSocketFd socket)
    {
        socket = null!;
        var errno = SockAt(fd, out var any);
        if (errno != Errno.Success) return errno;
        if (any is not NetSocketFd found) return Errno.Notsup;
        socket = found;
        return Errno.Success;
    }

    /// <summary>The host's own check of a bind or destination: EACCES (a refusal in the audit) when the policy refuses it.</summary>
    private Errno CheckNet(SocketRequest request, string call)
    {
        if (Context.Options.SkipNetCheck) return Errno.Success;
        var why = Context.NetGuard.Check(request);
        if (why is null) return Errno.Success;
        Context.Quotas.CountRefusedConnection();
        return Refuse(Errno.Acces, $"{call}: {why}");
    }

    /// <summary>Counts a socket the opener opened, or audits the opener's own refusal (the broker's layer).</summary>
    private Errno Opened(Errno errno, string? refusal, string call)
    {
        if (errno == Errno.Success)
        {
            Context.Quotas.CountConnection();
            return errno;
        }
        if (errno == Errno.Acces && refusal is not null)
        {
            Context.Quotas.CountRefusedConnection();
            return Refuse(Errno.Acces, $"{call}: {refusal}");
        }
        return errno;
    }

    /// <summary>The largest datagram received in one call (a UDP datagram is at most 65,507 bytes).</summary>
    private const uint SockMaxDatagramBytes = 65_536;
}
