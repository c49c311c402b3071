using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wasmbox.Core.Outcomes;

/// <summary>The JSON written by <c>--report</c>: the same fields in every case, setup failures included.</summary>
public sealed record RunReport(
    string Outcome,
    int ExitCode,
    string? Trap,
    string Message,
    IReadOnlyList<string> LimitsHit,
    double WallMs,
    double CpuMs,
    ulong? FuelConsumed,
    long PeakMemoryBytes,
    long? PeakRssBytes,
    string? ModuleSha256,
    string? SetupStage)
{
    public static RunReport From(RunResult result) => new(
        result.Outcome.Kind.Name(),
        result.Outcome.ExitStatus,
        result.Outcome.Trap,
        result.Outcome.Message,
        result.Usage.LimitsHit.Select(l => l.Name()).ToList(),
        Math.Round(result.Usage.Wall.TotalMilliseconds, 3),
        Math.Round(result.Usage.Cpu.TotalMilliseconds, 3),
        result.Usage.FuelConsumed,
        result.Usage.PeakMemoryBytes,
        result.Usage.PeakRssBytes,
        result.ModuleSha256,
        result.Outcome.Stage?.Name())
    {
        Refusals = result.Refusals.Total,
        Net = result.Usage.Net,
        Io = result.Usage.Io,
    };

    /// <summary>How many WASI calls the policy refused (each is in the audit trail, up to <see cref="RefusalAudit.MaxKept"/> per run).</summary>
    public long Refusals { get; init; }

    /// <summary>
    /// What the guest's sockets did: <c>connections_made</c>, <c>connections_refused</c>, <c>bytes_sent</c>,
    /// <c>bytes_received</c>. Null (written as null) when the policy gave no network: no <c>--allow-net</c> rule and no <c>--listen</c>.
    /// </summary>
    public NetUsage? Net { get; init; }

    /// <summary>
    /// What the guest read and wrote through its descriptors: <c>bytes_read</c>, <c>bytes_written</c>, <c>output_bytes</c>
    /// (stdout and stderr, as <c>--max-output</c> counts them), <c>disk_written_bytes</c> (as <c>--max-disk-write</c>
    /// counts them; null without that quota). Null when the run never reached the guest.
    /// </summary>
    public GuestIo? Io { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ReportJsonContext.Default.RunReport);

    public static RunReport? FromJson(string json) => JsonSerializer.Deserialize(json, ReportJsonContext.Default.RunReport);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
