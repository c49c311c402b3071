using System.IO.Pipes;
using System.Text;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Tests.State;

/// <summary>stdio descriptors: output quota, flushing, EPIPE, readiness of stdin, what fd_fdstat_get reports.</summary>
public class StreamFdTests
{
    private static StreamFd Stdout(Stream? stream, long? maxOutput = null) => new(stream, writable: true, new Quotas(null, maxOutput));

    private static StreamFd Stdin(Stream? stream) => new(stream, writable: false, new Quotas(null, null));

    [Fact]
    public void Write_BeyondMaxOutput_ReportsSuccessDropsTheRestAndMarksTheLimit()
    {
        var sink = new MemoryStream();
        var quotas = new Quotas(null, 8);
        var stdout = new StreamFd(sink, writable: true, quotas);
        var stderr = new StreamFd(sink, writable: true, quotas);

        Assert.Equal(Errno.Success, stdout.Write("hello "u8, out var first));
        Assert.Equal(Errno.Success, stderr.Write("world"u8, out var second));
        Assert.Equal(Errno.Success, stdout.Write("!!"u8, out var third));

        Assert.Equal((6, 5, 2), (first, second, third));
        Assert.Equal("hello wo", Encoding.ASCII.GetString(sink.ToArray()));
        Assert.True(quotas.OutputLimitHit);
        Assert.Equal(8, quotas.OutputWritten);
    }

    [Fact]
    public void Write_WithinMaxOutput_DoesNotMarkTheLimit()
    {
        var quotas = new Quotas(null, 5);
        var stdout = new StreamFd(new MemoryStream(), writable: true, quotas);

        Assert.Equal(Errno.Success, stdout.Write("hello"u8, out _));

        Assert.False(quotas.OutputLimitHit);
    }

    [Fact]
    public void Write_IsFlushedBeforeTheCallReturns()
    {
        var inner = new MemoryStream();
        var stdout = Stdout(new BufferedStream(inner, 4096));

        Assert.Equal(Errno.Success, stdout.Write("line\n"u8, out _));

        Assert.Equal("line\n", Encoding.ASCII.GetString(inner.ToArray()));
    }

    [Fact]
    public void Write_NullStream_SwallowsAndReportsSuccess()
    {
        Assert.Equal(Errno.Success, Stdout(null).Write("abc"u8, out var written));
        Assert.Equal(3, written);
    }

    [Fact]
    public void Write_ReaderGone_ReturnsPipe()
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        pipe.DisposeLocalCopyOfClientHandle(); // the only read end is closed
        var stdout = Stdout(pipe);

        Assert.Equal(Errno.Pipe, stdout.Write("lost"u8, out var written));
        Assert.Equal(0, written);
    }

    [Fact]
    public void Write_FileStreamReaderGone_ReturnsPipe()
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        pipe.DisposeLocalCopyOfClientHandle();
        // What the CLI hands over for fd 1: a FileStream on the inherited descriptor, with no buffer of its own.
        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(pipe.SafePipeHandle.DangerousGetHandle(), ownsHandle: false);
        var stdout = Stdout(new FileStream(handle, FileAccess.Write, bufferSize: 0));

        Assert.Equal(Errno.Pipe, stdout.Write("lost"u8, out _));
    }

    /// <summary>
    /// A worker's stdout: the caller's <see cref="HostFdStream"/> behind an <see cref="UnownedStream"/>, which the
    /// descriptor writes to directly. The quota still counts every byte, and the caller's stream outlives the descriptor.
    /// </summary>
    [Fact]
    public void Write_ThroughAnUnownedHostFdStream_ReachesThePipe_MaxOutputExact_AndTheCallersStreamOutlivesIt()
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In);
        using var reader = pipe;
        var writeEnd = new Microsoft.Win32.SafeHandles.SafeFileHandle(pipe.ClientSafePipeHandle.DangerousGetHandle(), ownsHandle: false);
        var raw = new Wasmbox.Wasi.Fs.HostFdStream(writeEnd, canRead: false, canWrite: true);
        var quotas = new Quotas(null, 10);
        var stdout = new StreamFd(new Wasmbox.Wasi.Fs.UnownedStream(raw), writable: true, quotas);

        Assert.Equal(Errno.Success, stdout.Write("abcdef"u8, out var first));
        Assert.Equal(Errno.Success, stdout.Write("ghijkl"u8, out var second));
        stdout.Dispose();
        raw.Write("!"u8); // still the caller's, still open

        Assert.Equal((6, 6), (first, second));
        var got = new byte[16];
        Assert.Equal(11, reader.Read(got));
        Assert.Equal("abcdefghij!", Encoding.ASCII.GetString(got, 0, 11));
        Assert.True(quotas.OutputLimitHit);
        Assert.Equal(10, quotas.OutputWritten);
        raw.Dispose();
    }

    [Fact]
    public void Write_ThroughAnUnownedHostFdStream_ReaderGone_IsPipe_AndTellsTheOwner()
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        pipe.DisposeLocalCopyOfClientHandle(); // the only read end is closed
        var brokenPipes = 0;
        using var raw = new Wasmbox.Wasi.Fs.HostFdStream(
            new Microsoft.Win32.SafeHandles.SafeFileHandle(pipe.SafePipeHandle.DangerousGetHandle(), ownsHandle: false), canRead: false, canWrite: true)
        {
            BrokenPipe = () => brokenPipes++,
        };
        var stdout = Stdout(new Wasmbox.Wasi.Fs.UnownedStream(raw));

        Assert.Equal(Errno.Pipe, stdout.Write("lost"u8, out var written));

        Assert.Equal(0, written);
        Assert.Equal(1, brokenPipes);
    }

    [Fact]
    public void Write_OnStdin_ReturnsBadf() => Assert.Equal(Errno.Badf, Stdin(new MemoryStream()).Write("x"u8, out _));

    [Fact]
    public void Read_OnStdout_ReturnsBadf() => Assert.Equal(Errno.Badf, Stdout(new MemoryStream()).Read(new byte[4], out _));

    [Fact]
    public void Read_NullStdin_IsEndOfFile()
    {
        Assert.Equal(Errno.Success, Stdin(null).Read(new byte[4], out var read));
        Assert.Equal(0, read);
    }

    [Fact]
    public void Read_Stdin_GivesTheStreamsBytes()
    {
        var stdin = Stdin(new MemoryStream("input"u8.ToArray()));
        var buffer = new byte[16];

        Assert.Equal(Errno.Success, stdin.Read(buffer, out var read));

        Assert.Equal("input", Encoding.ASCII.GetString(buffer, 0, read));
    }

    [Fact]
    public void ReadReady_NullStdin_IsReadyAtEndOfFile()
    {
        Assert.True(Stdin(null).ReadReady(out var available));
        Assert.Equal(0ul, available);
    }

    [Fact]
    public void ReadReady_MemoryStream_ReportsWhatIsLeft()
    {
        var stream = new MemoryStream("abcdef"u8.ToArray());
        stream.Position = 2;

        Assert.True(Stdin(stream).ReadReady(out var available));
        Assert.Equal(4ul, available);
    }

    [Fact]
    public void ReadReady_EmptyPipe_IsNotReady_ThenReadyWithTheBytesWritten()
    {
        using var reader = new AnonymousPipeServerStream(PipeDirection.In);
        using var writer = new AnonymousPipeClientStream(PipeDirection.Out, reader.ClientSafePipeHandle);
        var stdin = Stdin(reader);

        Assert.False(stdin.ReadReady(out _));

        writer.Write("four"u8);
        writer.Flush();

        Assert.True(stdin.ReadReady(out var available));
        Assert.Equal(4ul, available);
    }

    [Fact]
    public void ReadReady_PipeWriterClosed_IsReady()
    {
        using var reader = new AnonymousPipeServerStream(PipeDirection.In);
        reader.DisposeLocalCopyOfClientHandle();
        var stdin = Stdin(reader);

        Assert.True(stdin.ReadReady(out var available));
        Assert.Equal(0ul, available);
    }

    [Fact]
    public void ReadReady_RegularFile_ReportsTheRest()
    {
        using var dir = new TempDir();
        var path = dir.Write("in.txt", "0123456789");
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        file.Position = 3;

        Assert.True(Stdin(file).ReadReady(out var available));
        Assert.Equal(7ul, available);
    }

    [Fact]
    public void ReadReady_OtherStream_IsUnknown() =>
        Assert.Null(Stdin(new BufferedStream(new MemoryStream())).ReadReady(out _));

    [Fact]
    public void ReadReady_Stdout_IsNeverReady() => Assert.False(Stdout(new MemoryStream()).ReadReady(out _));

    [Fact]
    public void Fdstat_Stdio_AsWasmtimeReportsItPlusPoll()
    {
        var stdin = Stdin(new MemoryStream());
        var stdout = Stdout(new MemoryStream());

        Assert.Equal((Rights.FdRead | Rights.PollFdReadwrite, Rights.FdRead | Rights.PollFdReadwrite), (stdin.RightsBase, stdin.RightsInheriting));
        Assert.Equal((Rights.FdWrite | Rights.PollFdReadwrite, Rights.FdWrite | Rights.PollFdReadwrite), (stdout.RightsBase, stdout.RightsInheriting));
        Assert.Equal(Fdflags.None, stdin.Flags);
        Assert.Equal(Fdflags.None, stdout.Flags);
        Assert.Equal(Filetype.Unknown, stdout.Filetype); // not a terminal
    }

    [Fact]
    public void Filestat_Stdio_IsZerosWithTheFiletype()
    {
        Assert.Equal(Errno.Success, Stdout(null).FilestatGet(out var stat));

        Assert.Equal(new Filestat(0, 0, Filetype.Unknown, 0, 0, 0, 0, 0), stat);
    }

    [Fact]
    public void Seek_Stdio_IsEspipe()
    {
        Assert.Equal(Errno.Spipe, Stdin(new MemoryStream()).Seek(0, Whence.Cur, out _));
        Assert.Equal(Errno.Spipe, Stdout(new MemoryStream()).Seek(0, Whence.Set, out _));
        Assert.Equal(Errno.Spipe, Stdout(new MemoryStream()).Pwrite("x"u8, 0, out _));
    }

    [Fact]
    public void SetFlags_Stdio_IsBadf() => Assert.Equal(Errno.Badf, Stdout(null).SetFlags(Fdflags.Nonblock));

    [Fact]
    public void Context_StdioDescriptors_AreStreamFds()
    {
        using var fixture = new HostFixture();

        Assert.IsType<StreamFd>(fixture.Context.Fds.Get(0));
        Assert.Equal(Rights.FdRead | Rights.PollFdReadwrite, fixture.Context.Fds.Get(0)!.RightsBase);
        Assert.Equal(Rights.FdWrite | Rights.PollFdReadwrite, fixture.Context.Fds.Get(2)!.RightsBase);
    }
}
