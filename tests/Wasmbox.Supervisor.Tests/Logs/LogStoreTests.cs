using System.Text;
using Wasmbox.Supervisor.Logs;
using Wasmbox.Supervisor.State;

namespace Wasmbox.Supervisor.Tests.Logs;

public sealed class LogStoreTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Id = "00000000000000aa";
    private readonly TempDir _dir = new();
    private readonly StateStore _state;
    private readonly ManualTime _time = new();

    public LogStoreTests() => _state = StateStore.Open(_dir.File("state.db"));

    public void Dispose()
    {
        _state.Dispose();
        _dir.Dispose();
    }

    private LogStore Store(long max = 8L << 20, int flushBytes = 64 << 10, TimeSpan? interval = null) =>
        new(_state, new LogOptions { MaxBytesPerSandbox = max, FlushBytes = flushBytes, FlushInterval = interval ?? TimeSpan.FromHours(1) }, _time);

    private static string Text(IEnumerable<LogChunk> chunks) => string.Concat(chunks.Select(c => Encoding.UTF8.GetString(c.Data)));

    [Fact]
    public void Sink_ThreeTimesTheLimit_KeepsNewestBytesWithinTheLimitAndCountsDroppedExactly()
    {
        var logs = Store(max: 64 << 10, flushBytes: 4 << 10);
        var written = new byte[3 * (64 << 10) + 123];
        for (var i = 0; i < written.Length; i++) written[i] = (byte)(i * 7 % 251);
        var sink = logs.OpenSink(Id);
        for (var at = 0; at < written.Length; at += 1000) sink.Stdout.Write(written, at, Math.Min(1000, written.Length - at));
        sink.Complete();

        var kept = logs.Read(Id, LogQuery.All).SelectMany(c => c.Data).ToArray();

        Assert.True(kept.Length <= 64 << 10, $"kept {kept.Length} bytes");
        Assert.True(kept.Length > (64 << 10) - (4 << 10), $"kept only {kept.Length} bytes");
        Assert.Equal(written.Length - kept.Length, logs.DroppedBytes(Id));
        Assert.Equal(written[^kept.Length..], kept);
        Assert.Equal(kept.Length, logs.StoredBytes(Id));
    }

    [Fact]
    public void Sink_InterleavedStreams_ReadBackInWriteOrder()
    {
        var logs = Store();
        var sink = logs.OpenSink(Id);
        sink.Stdout.Write("a"u8);
        sink.Stderr.Write("b"u8);
        sink.Stdout.Write("c"u8);
        sink.Stdout.Write("d"u8);
        sink.Complete();

        var chunks = logs.Read(Id, LogQuery.All);

        Assert.Equal(["stdout:a", "stderr:b", "stdout:cd"], chunks.Select(c => $"{c.Stream.Name()}:{Encoding.UTF8.GetString(c.Data)}"));
        Assert.Equal(chunks.Select(c => c.Seq).Order(), chunks.Select(c => c.Seq));
    }

    [Fact]
    public void Read_StreamFilter_ReturnsOnlyThatStream()
    {
        var logs = Store();
        var sink = logs.OpenSink(Id);
        sink.Stdout.Write("out1\n"u8);
        sink.Stderr.Write("err\n"u8);
        sink.Stdout.Write("out2\n"u8);
        sink.Complete();

        Assert.Equal("out1\nout2\n", Text(logs.Read(Id, new LogQuery(Stream: LogStream.Stdout))));
        Assert.Equal("err\n", Text(logs.Read(Id, new LogQuery(Stream: LogStream.Stderr))));
    }

    [Fact]
    public void Read_Since_ReturnsChunksWrittenAtOrAfterIt()
    {
        var logs = Store();
        var sink = logs.OpenSink(Id);
        _time.Now = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000);
        sink.Stdout.Write("old\n"u8);
        sink.Flush();
        _time.Now = DateTimeOffset.FromUnixTimeMilliseconds(2_000_000);
        sink.Stdout.Write("new\n"u8);
        sink.Complete();

        Assert.Equal("new\n", Text(logs.Read(Id, new LogQuery(Since: DateTimeOffset.FromUnixTimeMilliseconds(2_000_000)))));
        Assert.Equal("old\nnew\n", Text(logs.Read(Id, new LogQuery(Since: DateTimeOffset.FromUnixTimeMilliseconds(1_000_000)))));
    }

    [Theory]
    [InlineData("1\n2\n3\n4\n", 2, "3\n4\n")]
    [InlineData("1\n2\n3\n4", 2, "3\n4")]
    [InlineData("1\n2\n", 5, "1\n2\n")]
    [InlineData("1\n2\n", 0, "")]
    [InlineData("\n\n\n", 1, "\n")]
    public void Read_Tail_ReturnsTheLastLines(string text, int lines, string expected)
    {
        var logs = Store();
        var sink = logs.OpenSink(Id);
        // One byte per write, alternating streams, so lines span chunks.
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < bytes.Length; i++) (i % 2 == 0 ? sink.Stdout : sink.Stderr).Write(bytes, i, 1);
        sink.Complete();

        Assert.Equal(expected, Text(logs.Read(Id, new LogQuery(TailLines: lines))));
    }

    [Fact]
    public void Read_TailWithStreamFilter_CountsLinesOfThatStreamOnly()
    {
        var logs = Store();
        var sink = logs.OpenSink(Id);
        sink.Stdout.Write("o1\no2\n"u8);
        sink.Stderr.Write("e1\ne2\n"u8);
        sink.Complete();

        Assert.Equal("o2\n", Text(logs.Read(Id, new LogQuery(Stream: LogStream.Stdout, TailLines: 1))));
    }

    [Fact]
    public async Task Sink_TimerInterval_FlushesWithoutAnExplicitFlush()
    {
        var logs = Store(interval: TimeSpan.FromMilliseconds(20));
        var sink = logs.OpenSink(Id);
        sink.Stdout.Write("tick\n"u8);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (logs.Read(Id, LogQuery.All).Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(10, Ct);

        Assert.Equal("tick\n", Text(logs.Read(Id, LogQuery.All)));
        sink.Complete();
    }

    [Fact]
    public async Task FollowAsync_SinkCompletes_YieldsEverythingThenEnds()
    {
        var logs = Store();
        var sink = logs.OpenSink(Id);
        sink.Stdout.Write("before\n"u8);
        sink.Flush();
        var seen = new List<string>();
        var follow = Task.Run(async () =>
        {
            await foreach (var c in logs.FollowAsync(Id, LogQuery.All, Ct)) lock (seen) seen.Add(Encoding.UTF8.GetString(c.Data));
        }, Ct);
        await WaitUntil(() => { lock (seen) return seen.Count == 1; });

        sink.Stdout.Write("during\n"u8);
        sink.Flush();
        await WaitUntil(() => { lock (seen) return seen.Count == 2; });
        sink.Stderr.Write("last\n"u8);
        Assert.False(follow.IsCompleted);
        sink.Complete();

        await follow.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(["before\n", "during\n", "last\n"], seen);
    }

    [Fact]
    public async Task FollowAsync_NoOpenSink_YieldsStoredChunksAndEndsAtOnce()
    {
        var logs = Store();
        var sink = logs.OpenSink(Id);
        sink.Stdout.Write("1\n2\n3\n"u8);
        sink.Complete();

        var chunks = new List<LogChunk>();
        await foreach (var c in logs.FollowAsync(Id, new LogQuery(TailLines: 2), Ct))
            chunks.Add(c);

        Assert.Equal("2\n3\n", Text(chunks));
    }

    [Fact]
    public void Sink_WritesAfterComplete_AreIgnored()
    {
        var logs = Store();
        var sink = logs.OpenSink(Id);
        sink.Stdout.Write("kept\n"u8);
        sink.Complete();
        sink.Stdout.Write("late\n"u8);
        sink.Flush();

        Assert.Equal("kept\n", Text(logs.Read(Id, LogQuery.All)));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in 5 s");
            await Task.Delay(5, Ct);
        }
    }

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.FromUnixTimeMilliseconds(1_000);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
