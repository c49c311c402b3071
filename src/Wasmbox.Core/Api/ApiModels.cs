using System.Text.Json;
using System.Text.Json.Serialization;
using Wasmbox.Core.Outcomes;

namespace Wasmbox.Core.Api;

/// <summary><c>POST /v1/sandboxes</c>: one sandbox to spawn. Exactly one of <paramref name="ModuleSha256"/> (uploaded with
/// <c>POST /v1/modules</c>) and <paramref name="ModulePath"/> (a file on the daemon's host) names the module.</summary>
/// <param name="Policy">The policy as a JSON object with the keys of a policy file (<c>"max-memory": "64MiB"</c>,
/// <c>"dir": ["/srv/in::/in"]</c>); host paths must be absolute.</param>
/// <param name="StdinBase64">The guest's whole stdin; without it the guest reads end of file at once.</param>
public sealed record SpawnRequest(
    string? ModuleSha256,
    string? ModulePath,
    IReadOnlyList<string>? Args,
    JsonElement? Policy,
    string? Name,
    IReadOnlyDictionary<string, string>? Labels,
    string? StdinBase64,
    string? Argv0)
{
    /// <summary><c>no</c> (default), <c>on-failure[:N]</c>, <c>always</c> or <c>unless-stopped</c>: when the sandbox runs again after a run ends.</summary>
    public string? Restart { get; init; }
}

/// <summary>A module the daemon holds (<c>POST /v1/modules</c>, <c>GET /v1/modules/{sha256}</c>).</summary>
public sealed record ModuleView(string Sha256, long Size);

/// <summary>A sandbox as <c>GET /v1/sandboxes/{id}</c> and <c>inspect</c> show it. Times are UTC.</summary>
/// <param name="State">created, running, backoff (between runs), exited, trapped, timeout, killed, memory_limit, failed or lost.</param>
/// <param name="ExitStatus">What <c>wasmbox run</c> would have exited with (the same table); null until it ends, and when lost.</param>
/// <param name="Report">The same fields as <c>--report</c>; null until it ends, and when lost.</param>
/// <param name="Policy">The policy as the daemon enforces it (grants resolved to real paths).</param>
public sealed record SandboxView(
    string Id,
    string? Name,
    IReadOnlyDictionary<string, string> Labels,
    string ModuleSha256,
    string Argv0,
    IReadOnlyList<string> Args,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? ExitStatus,
    string? Message,
    RunReport? Report,
    JsonElement Policy,
    string? WorkerInfo,
    long LogDroppedBytes)
{
    /// <summary>The restart policy (<c>no</c>, <c>on-failure[:N]</c>, <c>always</c>, <c>unless-stopped</c>).</summary>
    public string Restart { get; init; } = "no";

    /// <summary>The current (or last) run: 1, then one more per restart.</summary>
    public int Run { get; init; } = 1;

    /// <summary>In state <c>backoff</c>: when the next run starts.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The finished runs, first first (only for one sandbox, not in lists); the current or last run is also the record itself.</summary>
    public IReadOnlyList<RunView>? Runs { get; init; }
}

/// <summary>One finished run of a sandbox.</summary>
/// <param name="State">How it ended: exited, trapped, timeout, killed, memory_limit, failed or lost.</param>
public sealed record RunView(int Run, string State, DateTimeOffset? StartedAt, DateTimeOffset FinishedAt, int? ExitStatus, string? Message, RunReport? Report);

/// <summary>
/// <c>GET /v1/sandboxes/{id}/audit</c>: the WASI calls the policy refused, recorded when each run ends (the first
/// <see cref="RefusalAudit.MaxKept"/> of a run kept; <paramref name="Total"/> counts them all).
/// </summary>
public sealed record AuditView(string SandboxId, long Total, long Dropped, IReadOnlyList<AuditEntry> Refusals);

/// <param name="Errno">The errno the guest got, by its witx name (perm, notcapable, acces).</param>
public sealed record AuditEntry(int Run, string Call, string Reason, string Errno);

/// <summary>
/// One sample of a sandbox's use (<c>GET /v1/sandboxes/{id}/stats</c>, <c>GET /v1/stats</c>, <c>wasmbox stats</c>), read
/// from its worker's cgroup (the jail) or <c>/proc</c> entry while a run is running; zeros and nulls otherwise.
/// </summary>
/// <param name="CpuPercent">CPU used over the sampling interval, in percent of one core (200 = two cores busy).</param>
/// <param name="MemoryBytes">Memory in use: the jail's cgroup (worker, runtime and guest), else the worker's resident set.</param>
/// <param name="MemoryLimitBytes">The cgroup's cap (--max-memory plus the runtime's headroom); null without one.</param>
/// <param name="Pids">Processes in the jail's cgroup; null outside the jail.</param>
/// <param name="Restarts">Runs after the first.</param>
public sealed record StatsView(
    string Id, string? Name, string State, int Run, int Restarts, double UptimeSeconds, double CpuSeconds, double CpuPercent,
    long MemoryBytes, long? MemoryLimitBytes, int? Pids, DateTimeOffset At)
{
    /// <summary>What the guest counted inside its sandbox, each beside the limit the policy sets on it; null while its
    /// worker has not answered (not running, not yet instantiated).</summary>
    public GuestStatsView? Guest { get; init; }
}

/// <summary>
/// The guest's own counters in a <see cref="StatsView"/>, from its worker (see <c>GuestCounters</c> for how fresh each
/// is), each beside its limit (null: no limit).
/// </summary>
/// <param name="MemoryBytes">Linear memory, against <c>--max-memory</c> (<paramref name="MemoryLimitBytes"/>).</param>
/// <param name="FuelConsumed">Fuel used, against <c>--fuel</c>; null without fuel metering.</param>
/// <param name="OutputBytes">stdout and stderr bytes, against <c>--max-output</c>.</param>
/// <param name="DiskWrittenBytes">Bytes charged against <c>--max-disk-write</c>; null without that quota.</param>
/// <param name="OpenFds">Open descriptors, against <c>--max-open-files</c>.</param>
/// <param name="BytesRead">Bytes read through any descriptor.</param>
/// <param name="BytesWritten">Bytes written through any descriptor.</param>
/// <param name="Refusals">WASI calls the policy refused so far.</param>
/// <param name="NetBytesSent">Bytes its sockets sent; null without network.</param>
/// <param name="NetBytesReceived">Bytes its sockets received; null without network.</param>
public sealed record GuestStatsView(
    long MemoryBytes, long? MemoryLimitBytes, ulong? FuelConsumed, ulong? FuelLimit, long OutputBytes, long? MaxOutputBytes,
    long? DiskWrittenBytes, long? MaxDiskWriteBytes, int OpenFds, int? MaxOpenFiles, long BytesRead, long BytesWritten,
    long Refusals, long? NetBytesSent, long? NetBytesReceived);

/// <summary><c>GET /v1/info</c>: who is answering, and whether its state database passes SQLite's integrity check.</summary>
/// <param name="Integrity">"ok", or the first problem <c>PRAGMA integrity_check</c> found.</param>
public sealed record DaemonInfo(string Version, int Pid, string DataDir, int LiveSandboxes, int MaxSandboxes, int LostAtStart, string Integrity)
{
    /// <summary>The warm pool (<c>--pool N</c>); null when the daemon has none.</summary>
    public PoolView? Pool { get; init; }
}

/// <summary>The daemon's warm pool of pre-started jailed workers, as <c>GET /v1/info</c> shows it.</summary>
/// <param name="Size">Workers the pool keeps ready (<c>--pool N</c>).</param>
/// <param name="Ready">Workers ready now.</param>
/// <param name="Taken">Sandboxes that took a pre-started worker since the daemon started.</param>
/// <param name="Missed">Sandboxes that fitted the pool but found it empty, and started their own worker.</param>
public sealed record PoolView(int Size, int Ready, long Taken, long Missed);

/// <summary>An error, as RFC 7807 problem details (<c>application/problem+json</c>): <paramref name="Type"/> is a stable
/// code URI (<see cref="ProblemTypes.Prefix"/> + code), <paramref name="Detail"/> the same one line the CLI prints.</summary>
public sealed record ProblemDetails(string Type, string Title, int Status, string Detail, string? Instance);

/// <summary>The problem <c>type</c> URIs: a prefix and a stable code per kind of error.</summary>
public static class ProblemTypes
{
    public const string Prefix = "https://wasmbox.dev/problems/";

    public static string For(string code) => Prefix + code;

    /// <summary>The code at the end of a problem type URI.</summary>
    public static string CodeOf(string type) => type.StartsWith(Prefix, StringComparison.Ordinal) ? type[Prefix.Length..] : type;
}

/// <summary>System.Text.Json source generation for the API (NativeAOT: no reflection), snake_case like the report.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(SpawnRequest))]
[JsonSerializable(typeof(ModuleView))]
[JsonSerializable(typeof(SandboxView))]
[JsonSerializable(typeof(List<SandboxView>))]
[JsonSerializable(typeof(DaemonInfo))]
[JsonSerializable(typeof(AuditView))]
[JsonSerializable(typeof(StatsView))]
[JsonSerializable(typeof(List<StatsView>))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(RunReport))]
public sealed partial class ApiJson : JsonSerializerContext;
