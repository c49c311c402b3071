using Wasmbox.Core.Outcomes;
using Wasmbox.Supervisor.State;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Supervisor.Events;

/// <summary>
/// One event: a flat record whose fields beyond the first five are set only for the kinds that carry them (the rest are
/// null and left out of the JSON). Build one with the factory methods; <see cref="EventHub.Publish"/> stamps
/// <see cref="Seq"/> and <see cref="At"/>.
/// </summary>
/// <param name="Seq">1, 2, 3, … in publishing order, per daemon run; the SSE <c>id:</c>, and what <c>Last-Event-ID</c>/<c>--since</c> resume from.</param>
/// <param name="SandboxId">Null only for <see cref="EventKind.PoolEmpty"/>.</param>
/// <param name="State">The final state (exited, killed, lost: <c>exited|trapped|timeout|memory_limit|failed</c>, <c>killed</c>, <c>lost</c>).</param>
/// <param name="Outcome">The report's outcome (<c>out_of_fuel</c> keeps its name where the state says timeout).</param>
/// <param name="Limit">limit_hit: the one limit reached.</param>
/// <param name="Reason">restarted: why it restarts (e.g. <c>on-failure: exited 1</c>); refused: why the policy refused.</param>
/// <param name="BackoffMs">restarted: how long the supervisor waits before the next run.</param>
/// <param name="RestartCount">restarted: how many restarts this sandbox has had, this one included.</param>
/// <param name="Call">refused: the WASI call (e.g. <c>path_open</c>, <c>sock_connect</c>).</param>
/// <param name="Pool">pool_empty: which pool ran dry.</param>
public sealed record SandboxEvent(
    long Seq,
    DateTimeOffset At,
    EventKind Kind,
    string? SandboxId,
    string? Name)
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
    public string? Errno { get; init; }
    public string? Pool { get; init; }

    /// <summary>For an ended run: its number (metrics; not part of the API's event view).</summary>
    public int? Run { get; init; }

    /// <summary>For an ended run: what the guest read and wrote (metrics; not part of the API's event view).</summary>
    public GuestIo? Io { get; init; }

    /// <summary>For an ended run: refusals counted past the audit's kept ones, which have no <c>refused</c> event of their own (metrics).</summary>
    public long? RefusalsNotKept { get; init; }

    private static SandboxEvent Of(EventKind kind, string? id, string? name) => new(0, default, kind, id, name);

    public static SandboxEvent Created(SandboxRecord r) => Of(EventKind.Created, r.Id, r.Name);

    public static SandboxEvent Started(SandboxRecord r) => Of(EventKind.Started, r.Id, r.Name);

    /// <summary>A run's worker runs: the first run or any later one (after a restart, or resumed at daemon start).</summary>
    public static SandboxEvent Started(string id, string? name) => Of(EventKind.Started, id, name);

    /// <summary>A sandbox waiting for its next run was stopped (killed, or the daemon shut down) before that run started.</summary>
    public static SandboxEvent EndedWithoutRun(string id, string? name, SandboxState state, string message) =>
        Of(state == SandboxState.Killed ? EventKind.Killed : EventKind.Exited, id, name) with { State = state.Name(), Message = message };

    /// <summary>One refused per refusal the run kept (its first <see cref="RefusalAudit.MaxKept"/>), in the order they happened; published at the run's end.</summary>
    public static IEnumerable<SandboxEvent> RefusedBy(string id, string? name, RunResult result) =>
        result.Refusals.Kept.Select(r => Refused(id, name, r));

    /// <summary>One refusal of the audit as a refused event: its call, reason and errno.</summary>
    public static SandboxEvent Refused(string id, string? name, Refusal refusal) =>
        Of(EventKind.Refused, id, name) with { Call = refusal.Call, Reason = refusal.Reason, Errno = refusal.Errno };

    /// <summary>How a run ended: <see cref="EventKind.Killed"/> for a killed outcome, else <see cref="EventKind.Exited"/>.</summary>
    public static SandboxEvent Ended(string id, string? name, RunResult result)
    {
        var state = SandboxStates.FromOutcome(result.Outcome.Kind);
        return Of(state == SandboxState.Killed ? EventKind.Killed : EventKind.Exited, id, name) with
        {
            State = state.Name(),
            Outcome = result.Outcome.Kind.Name(),
            ExitStatus = result.Outcome.ExitStatus,
            Message = result.Outcome.Message,
            LimitsHit = result.Usage.LimitsHit.Select(l => l.Name()).ToList(),
            WallMs = Math.Round(result.Usage.Wall.TotalMilliseconds, 3),
            CpuMs = Math.Round(result.Usage.Cpu.TotalMilliseconds, 3),
            FuelConsumed = result.Usage.FuelConsumed,
            PeakMemoryBytes = result.Usage.PeakMemoryBytes,
            Io = result.Usage.Io,
            RefusalsNotKept = result.Refusals.Total - result.Refusals.Kept.Count,
        };
    }

    /// <summary>One limit_hit per limit the run reached, in the report's order.</summary>
    public static IEnumerable<SandboxEvent> LimitsHitBy(string id, string? name, RunResult result) =>
        result.Usage.LimitsHit.Select(l => Of(EventKind.LimitHit, id, name) with { Limit = l.Name() });

    /// <summary>For the restart policy: the sandbox ends one run and will start the next after <paramref name="backoff"/>.</summary>
    public static SandboxEvent Restarted(string id, string? name, string reason, TimeSpan backoff, int restartCount) =>
        Of(EventKind.Restarted, id, name) with { Reason = reason, BackoffMs = Math.Round(backoff.TotalMilliseconds, 3), RestartCount = restartCount };

    /// <summary>One refused call, with the path or the address it named.</summary>
    public static SandboxEvent Refused(string id, string? name, string call, string reason, string? path = null, string? address = null) =>
        Of(EventKind.Refused, id, name) with { Call = call, Reason = reason, Path = path, Address = address };

    public static SandboxEvent Lost(SandboxRecord r, string message) =>
        Of(EventKind.Lost, r.Id, r.Name) with { State = SandboxState.Lost.Name(), Message = message };

    /// <summary>For the worker pool: <paramref name="pool"/> had nothing to hand out.</summary>
    public static SandboxEvent PoolEmpty(string pool, string message) => Of(EventKind.PoolEmpty, null, null) with { Pool = pool, Message = message };
}
