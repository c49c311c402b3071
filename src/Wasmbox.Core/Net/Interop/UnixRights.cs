using System.Runtime.InteropServices;

namespace Wasmbox.Core.Net.Interop;

/// <summary>
/// AF_UNIX SOCK_SEQPACKET pairs and one descriptor passed with SCM_RIGHTS: the broker's channel, used by the parent (to
/// send a socket with its reply) and by the jailed worker (to receive it). Linux, LP64 (x86-64 and arm64) layouts.
/// </summary>
/// <remarks>
/// Why raw <c>sendmsg</c>/<c>recvmsg</c>: .NET's <see cref="System.Net.Sockets.Socket"/> has no way to attach or read
/// ancillary data. Every import is source-generated and blittable (pointers and integers only), so the NativeAOT worker
/// binds them at link time (<c>DirectPInvoke</c> of libc).
/// </remarks>
public static unsafe partial class UnixRights
{
    private const int AF_UNIX = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000;
    private const int SOL_SOCKET = 1, SCM_RIGHTS = 1;
    private const int MSG_CTRUNC = 0x8, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000;
    private const short POLLIN = 0x1;

    /// <summary>errno values the callers act on.</summary>
    public const int EINTR = 4, EAGAIN = 11, EPIPE = 32, ECONNRESET = 104;

    /// <summary>CMSG_LEN(sizeof(int)): the header (16 bytes on LP64) and one descriptor.</summary>
    private const int OneFdLen = 16 + sizeof(int);

    /// <summary>CMSG_SPACE(sizeof(int)): <see cref="OneFdLen"/> rounded up to 8.</summary>
    private const int OneFdSpace = 24;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static partial int SocketPairNative(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseNative(int fd);

    /// <summary>A connected AF_UNIX SOCK_SEQPACKET pair, both ends close-on-exec (clear it under the spawn lock for the child's end).</summary>
    /// <returns>0, or the errno.</returns>
    public static int SocketPair(out int first, out int second)
    {
        int* fds = stackalloc int[2];
        if (SocketPairNative(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
        {
            first = second = -1;
            return Marshal.GetLastPInvokeError();
        }
        first = fds[0];
        second = fds[1];
        return 0;
    }

    /// <summary>
    /// Sends <paramref name="data"/> as one datagram, with <paramref name="fd"/> attached when it is 0 or above. Never
    /// raises SIGPIPE. With <paramref name="dontWait"/>, a full peer gives <see cref="EAGAIN"/> instead of blocking.
    /// </summary>
    /// <returns>0 when the whole datagram went, else the errno (EINTR is retried here).</returns>
    public static int Send(int socket, ReadOnlySpan<byte> data, int fd, bool dontWait)
    {
        byte* control = stackalloc byte[OneFdSpace];
        new Span<byte>(control, OneFdSpace).Clear();
        fixed (byte* bytes = data)
        {
            var iov = new IoVec { Base = bytes, Length = (nuint)data.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1 };
            if (fd >= 0)
            {
                var header = (CmsgHdr*)control;
                header->Length = OneFdLen;
                header->Level = SOL_SOCKET;
                header->Type = SCM_RIGHTS;
                *(int*)(control + sizeof(CmsgHdr)) = fd;
                message.Control = control;
                message.ControlLength = OneFdSpace;
            }
            var flags = MSG_NOSIGNAL | (dontWait ? MSG_DONTWAIT : 0);
            while (true)
            {
                var sent = SendMsg(socket, &message, flags);
                if (sent >= 0) return sent == data.Length ? 0 : EPIPE; // a datagram goes whole or not at all
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR) return errno;
            }
        }
    }

    /// <summary>
    /// Receives one datagram into <paramref name="buffer"/> and at most one descriptor, close-on-exec. Descriptors beyond
    /// the first are dropped by the kernel (the control buffer holds one).
    /// </summary>
    /// <param name="length">Bytes received; 0 at end of file.</param>
    /// <param name="fd">The descriptor that came with it, or -1; the caller owns it, even when it rejects the datagram.</param>
    /// <param name="truncated">The datagram was longer than <paramref name="buffer"/>, or more descriptors came than fit.</param>
    /// <returns>0, or the errno (EINTR is retried here).</returns>
    public static int Receive(int socket, Span<byte> buffer, out int length, out int fd, out bool truncated)
    {
        length = 0;
        fd = -1;
        truncated = false;
        byte* control = stackalloc byte[OneFdSpace];
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                new Span<byte>(control, OneFdSpace).Clear();
                var iov = new IoVec { Base = bytes, Length = (nuint)buffer.Length };
                var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = OneFdSpace };
                var received = RecvMsg(socket, &message, MSG_CMSG_CLOEXEC);
                if (received < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    return errno;
                }
                length = (int)received;
                truncated = (message.Flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
                if (message.ControlLength >= (nuint)OneFdLen)
                {
                    var header = (CmsgHdr*)control;
                    if (header->Level == SOL_SOCKET && header->Type == SCM_RIGHTS && header->Length >= OneFdLen)
                        fd = *(int*)(control + sizeof(CmsgHdr));
                }
                return 0;
            }
        }
    }

    /// <summary>Waits until <paramref name="socket"/> has something to read (or its peer hung up), for at most <paramref name="timeoutMs"/>.</summary>
    /// <returns>True when readable; false at the timeout.</returns>
    public static bool WaitReadable(int socket, int timeoutMs)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var poll = new PollFd { Fd = socket, Events = POLLIN };
            var left = (int)Math.Max(0, deadline - Environment.TickCount64);
            var ready = Poll(&poll, 1, left);
            if (ready > 0) return true;
            if (ready == 0) return false;
            if (Marshal.GetLastPInvokeError() != EINTR) return true; // let the receive report the error
        }
    }

    /// <summary>Closes a descriptor that came with a datagram and is not wanted; errors are ignored (it is gone either way).</summary>
    public static void Close(int fd)
    {
        if (fd >= 0) _ = CloseNative(fd);
    }
}
