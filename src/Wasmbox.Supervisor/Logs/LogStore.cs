using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Wasmbox.Supervisor.State;

namespace Wasmbox.Supervisor.Logs;

/// <summary>How logs are buffered and bounded.</summary>
public sealed record LogOptions
{
    /// <summary>Bytes kept per sandbox, both streams together; beyond it the oldest chunks are dropped and counted.</summary>
    public long MaxBytesPerSandbox { get; init; } = 8L << 20;

    /// <summary>A sink writes to the database once this many bytes wait; also the largest chunk.</summary>
    public int FlushBytes { get; init; } = 64 << 10;

    /// <summary>A sink writes to the database at least this often while bytes wait.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>
/// The guests' captured stdout and stderr, stored as chunks in the state database: written through a <see cref="LogSink"/>
/// per running sandbox, read back filtered (<see cref="Read"/>) or followed live (<see cref="FollowAsync"/>).
/// </summary>
/// <remarks>
/// A sink buffers and writes at <see cref="LogOptions.FlushBytes"/>, every <see cref="LogOptions.FlushInterval"/>, and at
/// the end, so a daemon crash loses at most the last interval's output. Bounds are kept per sandbox at chunk granularity:
/// after each flush the oldest chunks go until at most <see cref="LogOptions.MaxBytesPerSandbox"/> bytes remain.
/// </remarks>
public sealed class LogStore
{
    private readonly StateStore _state;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, LogSink> _active = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _pulses = new();

    public LogStore(StateStore state, LogOptions? options = null, TimeProvider? time = null)
    {
        _state = state;
        Options = options ?? new LogOptions();
        _time = time ?? TimeProvider.System;
    }

    public LogOptions Options { get; }

    /// <summary>Starts capturing a sandbox's output. One sink per sandbox at a time; <see cref="LogSink.Complete"/> ends it.</summary>
    public LogSink OpenSink(string sandboxId)
    {
        var sink = new LogSink(this, _state, sandboxId, _state.NextLogSeq(sandboxId), _time);
        if (!_active.TryAdd(sandboxId, sink))
        {
            sink.Abandon();
            throw new InvalidOperationException($"sandbox {sandboxId} already has an open log sink");
        }
        return sink;
    }

    /// <summary>True while a sandbox's sink is open, i.e. while more output may come.</summary>
    public bool IsOpen(string sandboxId) => _active.ContainsKey(sandboxId);

    /// <summary>What is stored now, filtered by <paramref name="query"/>, in write order.</summary>
    public IReadOnlyList<LogChunk> Read(string sandboxId, LogQuery query)
    {
        var chunks = _state.ReadLogs(sandboxId, 0, query.Stream, query.Since?.ToUnixTimeMilliseconds(), query.Run);
        return query.TailLines is { } n ? Tail(chunks, n) : chunks;
    }

    /// <summary>Bytes dropped from this sandbox's logs to keep within the bound.</summary>
    public long DroppedBytes(string sandboxId) => _state.DroppedLogBytes(sandboxId);

    /// <summary>Bytes of this sandbox's logs kept now.</summary>
    public long StoredBytes(string sandboxId) => _state.StoredLogBytes(sandboxId);

    /// <summary>
    /// What <see cref="Read"/> returns, then each new chunk as it is flushed; ends once the sandbox's sink is complete
    /// and everything written is yielded (at once for a sandbox that is not running).
    /// </summary>
    public async IAsyncEnumerable<LogChunk> FollowAsync(string sandboxId, LogQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long last = 0;
        var first = true;
        while (true)
        {
            // Take the pulse before reading, so a flush between the read and the wait still wakes us.
            var pulse = Pulse(sandboxId);
            var open = IsOpen(sandboxId);
            IReadOnlyList<LogChunk> chunks;
            if (first)
            {
                chunks = Read(sandboxId, query);
                last = _state.ReadLogs(sandboxId, 0, null, null, null) is { Count: > 0 } all ? all[^1].Seq : 0;
                chunks = chunks.Where(c => c.Seq <= last).ToList();
                first = false;
            }
            else
            {
                chunks = _state.ReadLogs(sandboxId, last, query.Stream, query.Since?.ToUnixTimeMilliseconds(), query.Run);
            }
            foreach (var c in chunks)
            {
                last = Math.Max(last, c.Seq);
                yield return c;
            }
            // A closed sink flushed everything before it closed: this read saw the end.
            if (!open) yield break;
            if (chunks.Count == 0) await pulse.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops every open sink's timer and discards what it buffered: what a process crash would do. Tests only.</summary>
    internal void AbandonAll()
    {
        foreach (var sink in _active.Values) sink.Abandon();
        _active.Clear();
    }

    internal void Closed(LogSink sink)
    {
        _active.TryRemove(new KeyValuePair<string, LogSink>(sink.SandboxId, sink));
        Wake(sink.SandboxId);
    }

    internal void Wake(string sandboxId)
    {
        if (_pulses.TryRemove(sandboxId, out var tcs)) tcs.TrySetResult();
    }

    private Task Pulse(string sandboxId) =>
        _pulses.GetOrAdd(sandboxId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>The last <paramref name="lines"/> lines of the chunks' bytes; a newline at the very end does not start a new line.</summary>
    internal static IReadOnlyList<LogChunk> Tail(IReadOnlyList<LogChunk> chunks, int lines)
    {
        if (lines <= 0) return [];
        var seen = 0;
        var atEnd = true;
        for (var i = chunks.Count - 1; i >= 0; i--)
        {
            var data = chunks[i].Data;
            for (var j = data.Length - 1; j >= 0; j--)
            {
                var isLast = atEnd;
                atEnd = false;
                if (data[j] != (byte)'\n' || isLast) continue;
                if (++seen < lines) continue;
                var result = new List<LogChunk>();
                if (j + 1 < data.Length) result.Add(chunks[i] with { Data = data[(j + 1)..] });
                result.AddRange(chunks.Skip(i + 1));
                return result;
            }
        }
        return chunks;
    }
}

/// <summary>
/// Captures one sandbox's stdout and stderr. <see cref="Stdout"/> and <see cref="Stderr"/> are write-only streams for the
/// starter; writes of both get one sequence, so they read back interleaved in write order.
/// </summary>
public sealed class LogSink : IDisposable
{
    private readonly LogStore _owner;
    private readonly StateStore _state;
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private readonly List<LogChunk> _pending = [];
    private readonly ITimer _timer;
    private bool _armed;
    private MemoryStream? _current;
    private LogStream _currentStream;
    private DateTimeOffset _currentAt;
    private long _nextSeq;
    private long _pendingBytes;
    private bool _closed;

    internal LogSink(LogStore owner, StateStore state, string sandboxId, long nextSeq, TimeProvider time)
    {
        _owner = owner;
        _state = state;
        _time = time;
        SandboxId = sandboxId;
        _nextSeq = nextSeq;
        Stdout = new SinkStream(this, LogStream.Stdout);
        Stderr = new SinkStream(this, LogStream.Stderr);
        // Armed only while something waits to be flushed: a thousand idle sandboxes must not wake the daemon ten thousand
        // times a second for nothing (bench/idle-sandboxes.sh).
        _timer = time.CreateTimer(_ => FlushQuietly(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string SandboxId { get; }

    /// <summary>
    /// The run whose output arrives now; the supervisor moves it on before each restart. Why one sink for all runs: a
    /// follower of a restarting sandbox's logs keeps following, as <c>docker logs -f</c> does across restarts.
    /// </summary>
    public int Run
    {
        get { lock (_sync) return _run; }
        set
        {
            lock (_sync)
            {
                if (_current is { Length: > 0 }) CloseCurrent(_currentStream);
                _run = value;
            }
        }
    }

    private int _run = 1;

    public Stream Stdout { get; }

    public Stream Stderr { get; }

    /// <summary>Appends bytes written by the guest; ignored once the sink is complete.</summary>
    public void Append(LogStream stream, ReadOnlySpan<byte> bytes)
    {
        var max = _owner.Options.FlushBytes;
        lock (_sync)
        {
            if (_closed) return;
            while (!bytes.IsEmpty)
            {
                if (_current is null || _currentStream != stream || _current.Length >= max) CloseCurrent(stream);
                var take = (int)Math.Min(bytes.Length, max - _current!.Length);
                _current.Write(bytes[..take]);
                bytes = bytes[take..];
                _pendingBytes += take;
            }
            if (_pendingBytes >= max) FlushLocked();
            else if (!_armed)
            {
                _armed = true;
                _timer.Change(_owner.Options.FlushInterval, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Writes what is buffered to the database now.</summary>
    public void Flush()
    {
        lock (_sync)
        {
            if (!_closed) FlushLocked();
        }
    }

    /// <summary>Flushes, stops the sink and ends every follower. Idempotent.</summary>
    public void Complete()
    {
        lock (_sync)
        {
            if (_closed) return;
            try { FlushLocked(); }
            finally
            {
                _closed = true;
                _timer.Dispose();
            }
        }
        _owner.Closed(this);
    }

    public void Dispose() => Complete();

    /// <summary>Stops without flushing (a crash, in tests).</summary>
    internal void Abandon()
    {
        lock (_sync)
        {
            _closed = true;
            _timer.Dispose();
            _pending.Clear();
            _current = null;
        }
    }

    private void CloseCurrent(LogStream next)
    {
        if (_current is { Length: > 0 })
            _pending.Add(new LogChunk(_nextSeq++, _currentStream, _currentAt, _current.ToArray(), _run));
        _current = new MemoryStream();
        _currentStream = next;
        _currentAt = _time.GetUtcNow();
    }

    private void FlushLocked()
    {
        _armed = false;
        if (_current is { Length: > 0 })
        {
            _pending.Add(new LogChunk(_nextSeq++, _currentStream, _currentAt, _current.ToArray(), _run));
            _current = null;
        }
        if (_pending.Count == 0) return;
        _state.AppendLogs(SandboxId, _pending, _owner.Options.MaxBytesPerSandbox);
        _pending.Clear();
        _pendingBytes = 0;
        _owner.Wake(SandboxId);
    }

    private void FlushQuietly()
    {
        // The timer must never throw; a store closed under it (shutdown, crash simulation) just ends the flushing.
        try { Flush(); }
        catch (ObjectDisposedException) { }
        catch (Microsoft.Data.Sqlite.SqliteException) { }
    }

    private sealed class SinkStream(LogSink sink, LogStream stream) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => sink.Append(stream, buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => sink.Append(stream, buffer);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            sink.Append(stream, buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            sink.Append(stream, buffer.Span);
            return ValueTask.CompletedTask;
        }

        /// <summary>No-op: the sink flushes on size, time and at the end; a starter flushing per line must not make a commit per line.</summary>
        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
