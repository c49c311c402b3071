namespace Wasmbox.Wasi.Abi;

// The WASIX socket types (import module wasix_32v1), from the public WASIX reference (wasix.org API reference and
// wasix-libc's api_wasix.h, generated from wasix_v1.witx). Errnos are preview1's, unchanged.

/// <summary>Address family (u8): WASIX <c>address_family</c>.</summary>
public enum WasixFamily : byte
{
    Unspec = 0,
    Inet4 = 1,
    Inet6 = 2,
    Unix = 3,
}

/// <summary>Socket type (u8): WASIX <c>sock_type</c>. 0 is unused on purpose (it clashes with a CPython macro).</summary>
public enum WasixSockType : byte
{
    Unused = 0,
    Stream = 1,
    Dgram = 2,
    Raw = 3,
    Seqpacket = 4,
}

/// <summary>Socket state (u8): WASIX <c>sock_status</c>.</summary>
public enum WasixSockStatus : byte
{
    Opening = 0,
    Opened = 1,
    Closed = 2,
    Failed = 3,
}

/// <summary>Socket protocol (u16): the IANA numbers WASIX <c>sock_proto</c> uses; only these three are served.</summary>
public enum WasixSockProto : ushort
{
    Ip = 0,
    Tcp = 6,
    Udp = 17,
}

/// <summary>Socket option (u8): WASIX <c>sock_option</c>.</summary>
public enum WasixSockOption : byte
{
    Noop = 0,
    ReusePort = 1,
    ReuseAddr = 2,
    NoDelay = 3,
    DontRoute = 4,
    OnlyV6 = 5,
    Broadcast = 6,
    MulticastLoopV4 = 7,
    MulticastLoopV6 = 8,
    Promiscuous = 9,
    Listening = 10,
    LastError = 11,
    KeepAlive = 12,
    Linger = 13,
    OobInline = 14,
    RecvBufSize = 15,
    SendBufSize = 16,
    RecvLowat = 17,
    SendLowat = 18,
    RecvTimeout = 19,
    SendTimeout = 20,
    ConnectTimeout = 21,
    AcceptTimeout = 22,
    Ttl = 23,
    MulticastTtlV4 = 24,
    Type = 25,
    Proto = 26,
}
