using System.Runtime.InteropServices;

namespace Wasmbox.Wasi.Net.Interop;

internal static partial class Sys
{
    public const short POLLIN = 0x001, POLLOUT = 0x004, POLLERR = 0x008, POLLHUP = 0x010, POLLNVAL = 0x020, POLLRDHUP = 0x2000;

    /// <summary><c>struct pollfd</c> of Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary><c>poll(2)</c>; <paramref name="timeoutMs"/> 0 asks without waiting.</summary>
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    /// <summary>The events of one descriptor right now (0 when none, or when poll itself failed).</summary>
    public static unsafe short PollNow(int fd, short events)
    {
        var pfd = new PollFd { Fd = fd, Events = events };
        return Poll(&pfd, 1, 0) == 1 ? pfd.Revents : (short)0;
    }
}
