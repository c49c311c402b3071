using System.Text.Json.Serialization;

namespace Wasmbox.Core.Api;

/// <summary>
/// One event of <c>GET /v1/events</c> (the <c>data:</c> of a server-sent event, and a line of <c>wasmbox events --json</c>).
/// Fields after <paramref name="Name"/> appear only for the kinds that carry them (docs/events in the README lists them).
/// </summary>
/// <param name="Seq">The SSE <c>id:</c>: 1, 2, 3, … per daemon run; resume with <c>Last-Event-ID</c> or <c>?since=</c>.</param>
/// <param name="Kind">created, started, exited, restarted, limit_hit, refused, killed, lost or pool_empty.</param>
public sealed record EventView(long Seq, DateTimeOffset At, string Kind, string? SandboxId, string? Name)
{
    public string? State { get; init; }
    public string? Outcome { get; init; }
    public int? ExitStatus { get; init; }
    public string? Message { get; init; }
    public IReadOnlyList<string>? LimitsHit { get; init; }
    public double? WallMs { get; init; }
    public double? CpuMs { get; init; }
    public ulong? FuelConsumed { get; init; }
    public long? PeakMemoryBytes { get; init; }
    public string? Limit { get; init; }
    public string? Reason { get; init; }
    public double? BackoffMs { get; init; }
    public int? RestartCount { get; init; }
    public string? Call { get; init; }
    public string? Path { get; init; }
    public string? Address { get; init; }
    /// <summary>refused: the errno the guest got (its witx name: perm, notcapable, acces).</summary>
    public string? Errno { get; init; }
    public string? Pool { get; init; }
}

/// <summary>What the stream says about itself rather than about a sandbox: the <c>data:</c> of the <c>gap</c>,
/// <c>overflow</c> and <c>shutdown</c> events of <c>/v1/events</c>.</summary>
/// <param name="From">gap: the first sequence number that is gone; overflow: the first not sent.</param>
/// <param name="To">gap: the last sequence number that is gone; null otherwise.</param>
public sealed record StreamNotice(string Kind, string Message, long? From, long? To);

/// <summary>System.Text.Json source generation for the event stream: snake_case, absent fields left out.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EventView))]
[JsonSerializable(typeof(StreamNotice))]
[JsonSerializable(typeof(string))]
public sealed partial class EventJson : JsonSerializerContext;
