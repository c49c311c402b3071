using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.Fs;

/// <summary>
/// A stream over a host descriptor that calls <c>read(2)</c>/<c>write(2)</c> and nothing else: no buffer, no position of
/// its own. For the inherited stdio of a foreground run.
/// </summary>
/// <remarks>
/// Why not <see cref="FileStream"/>: on a seekable descriptor (stdout redirected to a file) it keeps its own offset and
/// writes with <c>pwrite</c>, so stdout and stderr sent to the same file (<c>&gt; log 2&gt;&amp;1</c>) overwrite each
/// other, and it ignores <c>O_APPEND</c>. And not <c>Console.OpenStandardOutput</c>: it swallows EPIPE. A failed call
/// throws an <see cref="IOException"/> whose <see cref="Exception.HResult"/> is the host errno, as FileStream does.
/// <para>The stream holds a reference on <see cref="Handle"/> from construction to <see cref="Stream.Dispose()"/>, so the
/// descriptor cannot be closed under it, and writes use the descriptor number without counting references on every call
/// (a guest's flood of small writes pays for each instruction between two syscalls: docs/RATIONALE.md, "Why does a
/// 64-byte fd_write cost more than its syscall …?"). Dispose it: until then the reference keeps even an owning handle's
/// descriptor open, finalizer or not. Used by one thread at a time, as the fd table that holds it is.</para>
/// </remarks>
public sealed class HostFdStream : Stream
{
    private const int EINTR = 4, EPIPE = 32;

    private readonly bool _canRead, _canWrite;
    private readonly int _fd;
    private bool _referenced;

    /// <exception cref="ObjectDisposedException"><paramref name="handle"/> is already closed.</exception>
    public HostFdStream(SafeFileHandle handle, bool canRead, bool canWrite)
    {
        Handle = handle;
        _canRead = canRead;
        _canWrite = canWrite;
        handle.DangerousAddRef(ref _referenced);
        _fd = (int)handle.DangerousGetHandle();
    }

    public SafeFileHandle Handle { get; }

    /// <summary>
    /// Called when a write fails with EPIPE, before the failure is thrown: a worker tells its parent that the reader of
    /// the guest's stdout went away, so that the guest is stopped as SIGPIPE would stop a native program.
    /// </summary>
    public Action? BrokenPipe { get; init; }

    public override bool CanRead => _canRead;
    public override bool CanWrite => _canWrite;
    public override bool CanSeek => false;

    public override unsafe int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Sys.Read(Handle, p, (nuint)buffer.Length);
                if (n >= 0) return (int)n;
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR) throw Failure("read", errno);
            }
        }
    }

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        // Why: after Dispose the number may already belong to another open file.
        ObjectDisposedException.ThrowIf(!_referenced, this);
        fixed (byte* start = buffer)
        {
            var p = start;
            var left = buffer.Length;
            while (left > 0)
            {
                var n = Sys.Write(_fd, p, (nuint)left);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    if (errno == EPIPE) BrokenPipe?.Invoke();
                    throw Failure("write", errno);
                }
                p += n;
                left -= (int)n;
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Flush() { }
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _referenced)
        {
            _referenced = false;
            Handle.DangerousRelease();
            Handle.Dispose();
        }
        base.Dispose(disposing);
    }

    private static IOException Failure(string call, int errno) => new($"{call} failed with host errno {errno}") { HResult = errno };
}
