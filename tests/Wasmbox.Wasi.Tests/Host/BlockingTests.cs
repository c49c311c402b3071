using System.Diagnostics;
using System.IO.Pipes;
using Wasmbox.Core.Policy;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Host;
using Wasmbox.Wasi.Memory;
using Wasmbox.Wasi.Randomness;
using Wasmbox.Wasi.Tests.Fs;

namespace Wasmbox.Wasi.Tests.Host;

/// <summary>
/// Host calls that could block or run long end at the deadline (<see cref="WasiContext.Interrupt"/>): each test makes
/// the call wait 10 s or more without the fix and asserts it ended within the deadline plus a slack for a loaded box.
/// </summary>
[Collection(TimingCollection.Name)]
public class BlockingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Blocked = TimeSpan.FromSeconds(10);
    private const uint Iovs = 0x100, Count = 0x200, Buffer = 0x1000;

    [Fact]
    public void FdRead_StdinPipeNeverWritten_ThrowsCanceledAtTheDeadline()
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        // The writer speaks only after 10 s: a read that ignored the deadline would return then.
        Later.Run(Blocked, () => writer.Write("late"u8));
        using var f = new HostFixture(new WasiOptions { Stdin = reader });
        using var deadline = new CancellationTokenSource(Limit);
        f.Context.Interrupt = deadline.Token;
        f.PutU32(Iovs, Buffer);
        f.PutU32(Iovs + 4, 16);

        var clock = Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => f.Host.FdRead(f.View, 0, Iovs, 1, Count));

        Assert.InRange(clock.Elapsed, Limit - TimeSpan.FromMilliseconds(50), Limit + Slack);
        Assert.Equal("????"u8.ToArray(), f.Bytes(Count, 4));
    }

    [Fact]
    public void FdRead_StdinPipeWithData_ReadsAtOnceUnderADeadline()
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        writer.Write("hi"u8);
        using var f = new HostFixture(new WasiOptions { Stdin = reader });
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        f.Context.Interrupt = deadline.Token;
        f.PutU32(Iovs, Buffer);
        f.PutU32(Iovs + 4, 16);

        Assert.Equal(Errno.Success, f.Host.FdRead(f.View, 0, Iovs, 1, Count));

        Assert.Equal(2u, f.U32(Count));
        Assert.Equal("hi"u8.ToArray(), f.Bytes(Buffer, 2));
    }

    [Fact]
    public void FdWrite_StdoutPipeNobodyReads_ThrowsCanceledAtTheDeadline()
    {
        using var reader = new AnonymousPipeServerStream(PipeDirection.In);
        var writer = new AnonymousPipeClientStream(PipeDirection.Out, reader.ClientSafePipeHandle);
        // The reader drains only after 10 s; 1 MiB is far more than a pipe holds (64 KiB).
        Later.Run(Blocked, () => reader.CopyTo(Stream.Null));
        using var f = new HostFixture(new WasiOptions { Stdout = writer }, memorySize: 2 << 20);
        using var deadline = new CancellationTokenSource(Limit);
        f.Context.Interrupt = deadline.Token;
        f.PutU32(Iovs, Buffer);
        f.PutU32(Iovs + 4, 1 << 20);

        var clock = Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => f.Host.FdWrite(f.View, 1, Iovs, 1, Count));

        Assert.InRange(clock.Elapsed, Limit - TimeSpan.FromMilliseconds(50), Limit + Slack);
    }

    [Fact]
    public void RandomGet_Huge_StopsAtTheFirstChunkAfterTheInterrupt()
    {
        // The source cancels the deadline as it fills: the call must stop after that one chunk, not fill 32 MiB.
        using var deadline = new CancellationTokenSource();
        var source = new CancellingRandom(deadline);
        var memory = new PinnedMemory(32 << 20);
        using var context = new WasiContext(new WasiOptions()) { Random = source, Interrupt = deadline.Token };
        var host = new WasiHost(context);

        Assert.Throws<OperationCanceledException>(() => host.RandomGet(memory.View(), 0, 32 << 20));

        Assert.Equal(1, source.Calls);
        Assert.Equal(1 << 20, source.Bytes);
        Assert.Equal(-1, memory.Bytes.AsSpan(1 << 20).IndexOfAnyExcept((byte)0));
    }

    [Fact]
    public void RandomGet_NoDeadline_FillsEveryChunk()
    {
        var source = new CancellingRandom(null);
        var memory = new PinnedMemory((3 << 20) + 17);
        using var context = new WasiContext(new WasiOptions()) { Random = source };

        Assert.Equal(Errno.Success, new WasiHost(context).RandomGet(memory.View(), 0, (3 << 20) + 17));

        Assert.Equal(4, source.Calls);
        Assert.Equal((3 << 20) + 17, source.Bytes);
    }

    [Fact]
    public void SystemRandom_FillMoreThanOneChunk_WritesEveryByte()
    {
        var buffer = new byte[(3 << 20) + 17];

        SystemRandom.Instance.Fill(buffer);

        // Each 4 KiB block still all zeros would be a 1 in 2^32768 event: a short getrandom left a hole.
        for (var at = 0; at < buffer.Length; at += 4096)
            Assert.Contains(buffer.AsSpan(at, Math.Min(4096, buffer.Length - at)).ToArray(), b => b != 0);
    }

    [Fact]
    public void OpenDirectoriesAndReaddir_UpToMaxOpenFiles_HostDescriptorsStayWithinTheLimit()
    {
        const int limit = 24;
        using var fs = new GuestFs(maxOpenFiles: limit);
        for (var i = 0; i < 2 * limit; i++) Directory.CreateDirectory(fs.Tree.InGrant($"d{i}"));
        var before = HostDescriptors();

        var opened = new List<int>();
        for (var i = 0; i < 2 * limit; i++)
        {
            var errno = fs.Open($"d{i}", out var fd, Oflags.Directory, Rights.FdReaddir | Rights.PathOpen);
            if (errno == Errno.Mfile) break;
            Assert.Equal(Errno.Success, errno);
            opened.Add(fd);
        }
        foreach (var fd in opened.Append(GuestFs.Grant))
        {
            Assert.Equal(Errno.Success, fs.Host.FdReaddir(fs.Fixture.View, fd, GuestFs.Buffer, 512, 0, GuestFs.OutFd));
        }
        var held = HostDescriptors() - before;

        // 3 stdio and 1 preopen already held; every other guest descriptor is at most one host descriptor.
        Assert.Equal(limit - 4, opened.Count);
        Assert.InRange(held, opened.Count, opened.Count + 2);
    }

    private static int HostDescriptors() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    /// <summary>Counts what it is asked to fill and cancels the deadline on the first call.</summary>
    private sealed class CancellingRandom(CancellationTokenSource? deadline) : WasiRandom
    {
        public int Calls { get; private set; }
        public long Bytes { get; private set; }

        public override void Fill(Span<byte> destination)
        {
            Calls++;
            Bytes += destination.Length;
            destination.Fill(0xAA);
            deadline?.Cancel();
        }
    }
}
