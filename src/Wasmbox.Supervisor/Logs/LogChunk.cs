namespace Wasmbox.Supervisor.Logs;

/// <summary>Which of the guest's output streams a chunk came from.</summary>
public enum LogStream { Stdout, Stderr }

public static class LogStreams
{
    /// <summary>The name in the database and the API.</summary>
    public static string Name(this LogStream stream) => stream switch
    {
        LogStream.Stdout => "stdout",
        LogStream.Stderr => "stderr",
    };

    public static LogStream Parse(string name) => name switch
    {
        "stdout" => LogStream.Stdout,
        "stderr" => LogStream.Stderr,
        _ => throw new FormatException($"unknown log stream '{name}'; write stdout or stderr"),
    };
}

/// <summary>
/// Consecutive bytes one stream wrote. <see cref="Seq"/> orders chunks of both streams of a sandbox in write order.
/// <see cref="At"/> is when the chunk's first byte was written (millisecond precision). <see cref="Run"/> is the run of the
/// sandbox that wrote it (1, then one more per restart).
/// </summary>
public sealed record LogChunk(long Seq, LogStream Stream, DateTimeOffset At, byte[] Data, int Run = 1);

/// <summary>Which logs to read. All filters combine.</summary>
/// <param name="Stream">Only this stream; null for both, interleaved.</param>
/// <param name="Since">Only chunks written at or after this instant.</param>
/// <param name="TailLines">Only the last N lines of what the other filters leave (a final line without a newline counts).</param>
/// <param name="Run">Only what this run of the sandbox wrote; null for every run.</param>
public sealed record LogQuery(LogStream? Stream = null, DateTimeOffset? Since = null, int? TailLines = null, int? Run = null)
{
    public static LogQuery All { get; } = new();
}
