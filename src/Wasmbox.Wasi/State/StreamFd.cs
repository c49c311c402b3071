using System.IO.Pipes;
using System.Runtime.InteropServices;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs;
using NativeSys = Wasmbox.Wasi.Net.Interop.Sys;

namespace Wasmbox.Wasi.State;

/// <summary>
/// A stdio descriptor over a .NET <see cref="Stream"/>: fd 0 reads from one, fds 1 and 2 write to one. A null stream
/// reads as end of file or swallows writes. Output counts against <c>--max-output</c>; past it, writes report success to
/// the guest (so it is not tempted to retry forever) but are dropped, and the report says so.
/// </summary>
/// <remarks>
/// <para>What the guest sees follows Wasmtime's stdio, so differential tests agree: rights fd_read (stdin) or fd_write
/// (stdout, stderr) and nothing else, in particular no seek or tell (fd_seek is ESPIPE); no fdflags (no append);
/// filetype character_device when the stream is a terminal, unknown otherwise; a filestat of zeros.</para>
/// <para>Every write is flushed before the call returns, so the guest's stdout and stderr interleave on the host in the
/// order it wrote them. A write the reader went away from is EPIPE, when the stream reports it: hand over a
/// <see cref="FileStream"/> or <see cref="PipeStream"/> on the descriptor, not <see cref="Console.OpenStandardOutput()"/>,
/// whose stream hides EPIPE by design. For the same reason give stdin a stream without its own buffer (bufferSize 0 or
/// 1): bytes read ahead into a .NET buffer are invisible to <see cref="ReadReady"/>.</para>
/// </remarks>
public sealed class StreamFd : WasiFd
{
    private readonly Stream? _stream;
    private readonly bool _writable;
    private readonly Quotas _quotas;

    public StreamFd(Stream? stream, bool writable, Quotas quotas)
    {
        _stream = stream;
        _writable = writable;
        _quotas = quotas;
        // poll_fd_readwrite on top of Wasmtime's set: poll_oneoff checks that right, and a guest must be able to wait
        // for its stdin (docs/wasi-deviations.md).
        RightsBase = RightsInheriting = KindRights;
        Filetype = HostHandle(stream) is { } fd && NativeSys.IsATty(fd) == 1 ? Filetype.CharacterDevice : Filetype.Unknown;
        _waitable = WaitableHandle(stream);
        _direct = writable ? stream as HostFdStream ?? (stream as UnownedStream)?.Inner as HostFdStream : null;
    }

    /// <summary>
    /// The raw stream under an output, also through an <see cref="UnownedStream"/>: written with a direct call and no
    /// flush (it has no buffer), since a flood of small writes pays for every call between two syscalls.
    /// </summary>
    private readonly HostFdStream? _direct;

    /// <summary>
    /// The descriptor to wait on before a read or write could block (a pipe, FIFO, socket or terminal under the stream);
    /// null when there is none to poll (a regular file never blocks; any other stream is not a kernel object).
    /// </summary>
    private readonly SafeHandle? _waitable;

    public override Filetype Filetype { get; }

    /// <summary>Reading (stdin) or writing (stdout, stderr), and waiting for either; nothing else.</summary>
    public override Rights KindRights => (_writable ? Rights.FdWrite : Rights.FdRead) | Rights.PollFdReadwrite;

    public override bool Pollable(bool write) => write == _writable;

    /// <summary>Why EBADF: Wasmtime answers fd_fdstat_set_flags on stdio so (only files take flags there).</summary>
    public override Errno SetFlags(Fdflags flags) => Errno.Badf;

    /// <summary>A stream has no offset: ESPIPE, as Wasmtime (and lseek on a pipe) answers.</summary>
    public override Errno Seek(long offset, Whence whence, out ulong newOffset)
    {
        newOffset = 0;
        return Errno.Spipe;
    }

    /// <summary>ESPIPE on stdin, which could be read but not at an offset; EBADF on stdout and stderr (Wasmtime's answers).</summary>
    public override Errno Pread(Span<byte> buffer, ulong offset, out int read)
    {
        read = 0;
        return _writable ? Errno.Badf : Errno.Spipe;
    }

    /// <summary>ESPIPE on stdout and stderr, EBADF on stdin (Wasmtime's answers).</summary>
    public override Errno Pwrite(ReadOnlySpan<byte> data, ulong offset, out int written)
    {
        written = 0;
        return _writable ? Errno.Spipe : Errno.Badf;
    }

    public override Errno FilestatGet(out Filestat stat)
    {
        stat = new Filestat(0, 0, Filetype, 0, 0, 0, 0, 0);
        return Errno.Success;
    }

    public override Errno Read(Span<byte> buffer, out int read)
    {
        read = 0;
        if (_writable) return Errno.Badf;
        if (_stream is null) return Errno.Success;
        // Why wait first: read(2) on a silent pipe cannot be interrupted from another thread; poll can (Fs/Blocking).
        if (_waitable is not null && Interrupt.CanBeCanceled && !buffer.IsEmpty)
            Blocking.WaitReady(_waitable, NativeSys.POLLIN, Interrupt);
        try { read = _stream.Read(buffer); }
        catch (IOException e) { return FromIOException(e); }
        catch (ObjectDisposedException) { return Errno.Badf; }
        return Errno.Success;
    }

    public override Errno Write(ReadOnlySpan<byte> data, out int written)
    {
        written = 0;
        if (!_writable) return Errno.Badf;
        var allowed = (int)_quotas.TakeOutput(data.Length);
        if (_stream is not null && allowed > 0)
        {
            try
            {
                if (_waitable is not null && Interrupt.CanBeCanceled) WriteWaiting(data[..allowed]);
                else if (_direct is not null) _direct.Write(data[..allowed]);
                else _stream.Write(data[..allowed]);
                // A HostFdStream has no buffer to flush.
                if (_direct is null) _stream.Flush();
            }
            catch (IOException e) { return FromIOException(e); }
            catch (ObjectDisposedException) { return Errno.Badf; }
        }
        written = data.Length;
        return Errno.Success;
    }

    /// <summary>
    /// For stdin: whether a read would return at once, and how many bytes are waiting. Known for a null stream (end of
    /// file, ready), a <see cref="MemoryStream"/>, and a file or pipe stream (<c>poll(2)</c> and <c>FIONREAD</c> on its
    /// descriptor); null (cannot tell) for any other stream. Output descriptors are never read-ready.
    /// </summary>
    public override bool? ReadReady(out ulong bytesAvailable)
    {
        bytesAvailable = 0;
        if (_writable) return false;
        switch (_stream)
        {
            case null:
                return true;
            case MemoryStream memory:
                bytesAvailable = (ulong)Math.Max(0, memory.Length - memory.Position);
                return true;
        }
        if (HostHandle(_stream) is not { } fd) return null;
        var events = NativeSys.PollNow(fd, NativeSys.POLLIN);
        if (events == 0) return false;
        // A regular file always polls readable and has no FIONREAD; what is left of it is waiting.
        if (_stream is FileStream { CanSeek: true } file) bytesAvailable = (ulong)Math.Max(0, file.Length - file.Position);
        else if (NativeSys.Ioctl(fd, NativeSys.FIONREAD, out var pending) == 0 && pending > 0) bytesAvailable = (ulong)pending;
        return true;
    }

    public override void Dispose() => _stream?.Dispose();

    /// <summary>
    /// Writes to a pipe or socket whose reader may stall, so that the deadline still reaches the guest: each piece of at
    /// most PIPE_BUF bytes waits until the descriptor polls writable, and a pipe that polls writable takes that much
    /// without blocking.
    /// </summary>
    private void WriteWaiting(ReadOnlySpan<byte> data)
    {
        for (var at = 0; at < data.Length; at += Blocking.PipeBuf)
        {
            Blocking.WaitReady(_waitable!, NativeSys.POLLOUT, Interrupt);
            _stream!.Write(data[at..Math.Min(data.Length, at + Blocking.PipeBuf)]);
        }
    }

    /// <summary>The handle under a file or pipe stream that is not a regular file, or null (see <see cref="_waitable"/>).</summary>
    private static SafeHandle? WaitableHandle(Stream? stream)
    {
        SafeHandle? handle = stream switch
        {
            FileStream file => file.SafeFileHandle,
            Fs.HostFdStream raw => raw.Handle,
            PipeStream pipe => pipe.SafePipeHandle,
            _ => null,
        };
        if (handle is not { IsInvalid: false, IsClosed: false }) return null;
        using var view = new Microsoft.Win32.SafeHandles.SafeFileHandle(handle.DangerousGetHandle(), ownsHandle: false);
        return FileStatus.Of(view, out var stat) == Errno.Success && stat.Filetype == Filetype.RegularFile ? null : handle;
    }

    /// <summary>The OS descriptor under a file or pipe stream; null for any other stream, or a closed one.</summary>
    private static int? HostHandle(Stream? stream)
    {
        SafeHandle? handle = stream switch
        {
            FileStream file => file.SafeFileHandle,
            Fs.HostFdStream raw => raw.Handle,
            PipeStream pipe => pipe.SafePipeHandle,
            _ => null,
        };
        return handle is { IsInvalid: false, IsClosed: false } ? (int)handle.DangerousGetHandle() : null;
    }

    /// <summary>
    /// The errno behind an IOException. A <see cref="FileStream"/> on Linux puts the failing call's errno in
    /// <see cref="Exception.HResult"/>; a <see cref="PipeStream"/> wraps a <see cref="System.Net.Sockets.SocketException"/>
    /// (EPIPE comes as <see cref="System.Net.Sockets.SocketError.Shutdown"/>). Anything else is EIO.
    /// </summary>
    private static Errno FromIOException(IOException e) => e switch
    {
        { InnerException: System.Net.Sockets.SocketException inner } => Net.SocketErrnoMapping.ToWasi(inner.SocketErrorCode),
        { HResult: > 0 and < 4096 } => ErrnoMapping.ToWasi((HostErrno)e.HResult),
        _ => Errno.Io,
    };
}
