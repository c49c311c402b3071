using System.Runtime.InteropServices;
using System.Text;
using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Interop;

namespace Wasmbox.Oci.Container;

/// <summary>
/// <c>process.terminal</c> with <c>--console-socket</c>: a new pseudo-terminal whose master goes to the engine over the
/// console socket (SCM_RIGHTS, as runc sends it: the data is the pty's name), and whose slave becomes the container
/// process's stdin, stdout and stderr (and, after its <c>setsid</c>, its controlling terminal).
/// </summary>
/// <remarks>
/// The guest's output then reaches a terminal, which the worker tiers never hand to the worker itself (TIOCSTI): the
/// container process drains the worker's pipe into it, as <c>wasmbox run</c> does on a terminal.
/// </remarks>
internal sealed partial class ConsoleTerminal : IDisposable
{
    private const int O_RDWR = 2, O_NOCTTY = 0x100, O_CLOEXEC = 0x80000;
    private const ulong TIOCSWINSZ = 0x5414;

    private ConsoleTerminal(int slave) => Slave = slave;

    /// <summary>The slave side, open in this process until the container process has it as its stdio.</summary>
    public int Slave { get; private set; }

    /// <summary>Opens a pty, sends its master to <paramref name="consoleSocket"/>, and keeps the slave.</summary>
    /// <param name="width">process.consoleSize.width (0: leave the kernel's default).</param>
    /// <param name="height">process.consoleSize.height.</param>
    public static ConsoleTerminal Open(string consoleSocket, ushort width, ushort height)
    {
        var master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0) throw new OciException($"cannot open a pseudo-terminal (posix_openpt: errno {Marshal.GetLastPInvokeError()}); is /dev/pts mounted?");
        try
        {
            if (grantpt(master) != 0 || unlockpt(master) != 0)
                throw new OciException($"cannot unlock the pseudo-terminal (errno {Marshal.GetLastPInvokeError()})");
            var name = Name(master);
            if (width > 0 && height > 0) SetSize(master, width, height);
            var slave = Libc.Open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (slave < 0) throw new OciException($"cannot open {name} (errno {Marshal.GetLastPInvokeError()})");
            try
            {
                SendMaster(consoleSocket, master, name);
                return new ConsoleTerminal(slave);
            }
            catch
            {
                Libc.Close(slave);
                throw;
            }
        }
        finally
        {
            Libc.Close(master); // the engine holds it now (or nobody: the create fails)
        }
    }

    public void Dispose()
    {
        if (Slave >= 0) Libc.Close(Slave);
        Slave = -1;
    }

    private static void SendMaster(string path, int master, string name)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try { socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path)); }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new OciException($"cannot connect to the console socket {path} ({e.Message}); the engine must listen on it before create");
        }
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        if (Core.Net.Interop.UnixRights.Send(fd, Encoding.UTF8.GetBytes(name), master, dontWait: false) != 0)
            throw new OciException($"cannot send the terminal to the console socket {path} (errno {Marshal.GetLastPInvokeError()})");
    }

    private static unsafe string Name(int master)
    {
        var buffer = stackalloc byte[128];
        if (ptsname_r(master, buffer, 128) != 0) throw new OciException($"cannot name the pseudo-terminal (errno {Marshal.GetLastPInvokeError()})");
        return Marshal.PtrToStringUTF8((nint)buffer)!;
    }

    private static unsafe void SetSize(int master, ushort width, ushort height)
    {
        var size = stackalloc ushort[4];
        size[0] = height;
        size[1] = width;
        _ = ioctl(master, TIOCSWINSZ, size);
    }

    /// <summary>Makes the terminal on stdin the calling process's controlling terminal (after its <c>setsid</c>); false when stdin is no terminal.</summary>
    public static unsafe bool TakeAsControllingTerminal() => isatty(0) == 1 && ioctl(0, TIOCSCTTY, null) == 0;

    private const ulong TIOCSCTTY = 0x540E;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int posix_openpt(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int grantpt(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlockpt(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int ptsname_r(int fd, byte* buffer, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int ioctl(int fd, ulong request, void* argument);

    [LibraryImport("libc")]
    private static partial int isatty(int fd);
}
