using System.Buffers.Binary;
using System.IO.Pipes;
using Wasmbox.Core.Protocol;

namespace Wasmbox.Core.Tests.Protocol;

/// <summary>The codec over a real pipe, and many writer threads at once ("hammer" tests).</summary>
public class FramePipeTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Payload: thread, sequence number, then a pattern derived from both, of a length that varies up to 10 KB (above PIPE_BUF).</summary>
    private static byte[] Payload(int thread, int seq)
    {
        var payload = new byte[8 + (seq * 37 + thread * 101) % 10_000];
        BinaryPrimitives.WriteInt32LittleEndian(payload, thread);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), seq);
        for (var i = 8; i < payload.Length; i++) payload[i] = (byte)(i ^ seq ^ thread);
        return payload;
    }

    private static void AssertEveryFrameWholeAndInOrder(List<(FrameType Type, byte[] Payload)> frames, int threads, int perThread)
    {
        Assert.Equal(threads * perThread, frames.Count);
        var next = new int[threads];
        foreach (var (type, payload) in frames)
        {
            var thread = BinaryPrimitives.ReadInt32LittleEndian(payload);
            var seq = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(4));
            Assert.Equal(next[thread], seq);
            Assert.Equal(thread % 2 == 0 ? FrameType.Stdin : FrameType.Fatal, type);
            Assert.Equal(Payload(thread, seq), payload);
            next[thread]++;
        }
    }

    /// <summary>Writes from several threads at once; rethrows the first failure of any of them after all have stopped.</summary>
    private static void WriteFromThreads(FrameWriter writer, int threads, int perThread)
    {
        using var go = new Barrier(threads);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                go.SignalAndWait(Token);
                for (var seq = 0; seq < perThread; seq++)
                    writer.Write(t % 2 == 0 ? FrameType.Stdin : FrameType.Fatal, Payload(t, seq));
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => Assert.True(w.Join(TimeSpan.FromSeconds(60)), "a writer thread is stuck"));
        if (failures.TryDequeue(out var first))
            throw new Xunit.Sdk.XunitException($"a writer thread failed: {first}");
    }

    private static List<(FrameType, byte[])> ReadAll(Stream stream)
    {
        var reader = new FrameReader(stream);
        var frames = new List<(FrameType, byte[])>();
        while (reader.Read() is { } frame)
            frames.Add((frame.Type, frame.Payload.ToArray()));
        return frames;
    }

    [Fact]
    public void Write_ManyThreadsIntoOneMemoryStream_EveryFrameWholeAndInPerThreadOrder()
    {
        const int threads = 4, perThread = 1000;
        var stream = new MemoryStream();
        WriteFromThreads(new FrameWriter(stream), threads, perThread);

        stream.Position = 0;
        AssertEveryFrameWholeAndInOrder(ReadAll(stream), threads, perThread);
    }

    [Fact]
    public async Task Write_ManyThreadsIntoAPipeWhileReading_EveryFrameWholeAndInPerThreadOrder()
    {
        const int threads = 4, perThread = 500;
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var reading = Task.Run(() =>
        {
            // If the reader fails, close its end so the writers get EPIPE instead of blocking on a full pipe.
            try { return ReadAll(client); }
            catch { client.Dispose(); throw; }
        }, Token);

        try
        {
            WriteFromThreads(new FrameWriter(server), threads, perThread);
        }
        finally
        {
            server.Dispose();
        }

        AssertEveryFrameWholeAndInOrder(await reading.WaitAsync(TimeSpan.FromSeconds(60), Token), threads, perThread);
    }

    [Fact]
    public async Task Read_FrameArrivingInTwoHalvesOnAPipe_WaitsForTheSecondHalf()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var payload = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        byte[] frame = [.. RawFrames.Header(5001), 0x02, .. payload];

        var reader = new FrameReader(client);
        var reading = Task.Run(() => reader.Read() is { } f ? (f.Type, f.Payload.ToArray()) : default((FrameType, byte[])?), Token);

        server.Write(frame, 0, 2);
        server.Flush();
        await Task.Delay(200, Token);
        Assert.False(reading.IsCompleted, "the reader returned on half a header");

        server.Write(frame, 2, 2500);
        server.Flush();
        await Task.Delay(200, Token);
        Assert.False(reading.IsCompleted, "the reader returned on half a payload");

        server.Write(frame, 2502, frame.Length - 2502);
        server.Flush();
        var (type, read) = (await reading.WaitAsync(TimeSpan.FromSeconds(10), Token))!.Value;
        Assert.Equal(FrameType.Stdin, type);
        Assert.Equal(payload, read);

        server.Dispose();
        Assert.Null(await Task.Run(reader.Read, Token).WaitAsync(TimeSpan.FromSeconds(10), Token));
    }

    [Fact]
    public async Task Read_WriterClosesPipeMidFrame_ThrowsTruncated()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var reading = Task.Run(() => new FrameReader(client).Read(), Token);

        server.Write([.. RawFrames.Header(100), 0x02, 1, 2, 3]);
        server.Flush();
        await Task.Delay(100, Token);
        server.Dispose();

        var e = await Assert.ThrowsAsync<ProtocolException>(() => reading.WaitAsync(TimeSpan.FromSeconds(10), Token));
        Assert.Equal("protocol: truncated frame: expected 99 bytes of payload, got 3 before end of stream", e.Message);
    }

    [Fact]
    public void Write_ReaderEndOfPipeClosed_SurfacesIOException()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        client.Dispose();

        Assert.Throws<IOException>(() => new FrameWriter(server).Write(FrameType.Stdin, "lost"u8));
    }
}
