using System.Runtime.InteropServices;
using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Interop;

namespace Wasmbox.Oci.Container;

/// <summary>
/// The FIFO a created container waits on until <c>start</c> (runc's exec.fifo, turned around). The container process
/// opens it read-write, so the open never blocks and the FIFO always has a reader while the process lives, then
/// blocks reading one byte. <c>start</c> opens it write-only and non-blocking: that fails with ENXIO when no reader
/// is left (the container process died), instead of hanging, and otherwise its one byte releases the container.
/// </summary>
internal static class StartGate
{
    /// <summary>In the container process: makes the FIFO and opens it; returns the descriptor to <see cref="Wait"/> on.</summary>
    public static int Open(string path)
    {
        if (Libc.Mkfifo(path, 0b110_000_000) != 0)
            throw new OciException($"cannot make {path} (mkfifo: errno {Marshal.GetLastPInvokeError()}); check --root");
        var fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd < 0) throw new OciException($"cannot open {path} (errno {Marshal.GetLastPInvokeError()})");
        return fd;
    }

    /// <summary>Blocks until <c>start</c> writes; then closes the descriptor and removes the FIFO.</summary>
    public static unsafe void Wait(int fd, string path)
    {
        byte b;
        while (Libc.Read(fd, &b, 1) < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR) { }
        Libc.Close(fd);
        try { File.Delete(path); } catch (IOException) { }
    }

    /// <summary>In <c>start</c>: releases the waiting container; throws when nothing waits.</summary>
    public static unsafe void Release(string path, string id)
    {
        var fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new OciException(errno == Libc.ENXIO || errno == 2
                ? $"container {id} is not waiting to start (its process has exited); delete it"
                : $"cannot open {path} to start container {id} (errno {errno})");
        }
        byte b = (byte)'1';
        var written = Libc.Write(fd, &b, 1);
        var error = Marshal.GetLastPInvokeError();
        Libc.Close(fd);
        if (written != 1) throw new OciException($"cannot start container {id}: write to {path} failed (errno {error})");
    }
}
