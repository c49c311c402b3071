namespace Wasmbox.Supervisor.Events;

/// <summary>
/// What happened to a sandbox (or to the daemon's pools). The names are the SSE <c>event:</c> field and the JSON
/// <c>kind</c>; <see cref="SandboxEvent"/> lists which fields each kind carries.
/// </summary>
public enum EventKind
{
    /// <summary>Recorded (committed) as <c>created</c>, before its starter runs.</summary>
    Created,
    /// <summary>Its worker runs (the record is <c>running</c>).</summary>
    Started,
    /// <summary>It ended by itself or was stopped by a limit, or never started: <c>state</c> is exited, trapped, timeout,
    /// memory_limit or failed; <c>outcome</c>, <c>exit_status</c>, <c>message</c>, <c>limits_hit</c> and the usage say how.</summary>
    Exited,
    /// <summary>A restart policy starts it again: <c>reason</c>, <c>backoff_ms</c>, <c>restart_count</c>.</summary>
    Restarted,
    /// <summary>One limit of its policy was reached during a run: <c>limit</c> (max-memory, fuel, timeout, cpu-time, …, as in the report). Published at
    /// the run's end, once per limit in the report's <c>limits_hit</c>, before the <see cref="Exited"/> or <see cref="Killed"/> event.</summary>
    LimitHit,
    /// <summary>The policy refused a WASI call or a destination: <c>call</c>, <c>reason</c> (with the path or address), <c>errno</c>.
    /// Published at the run's end from its audit (the first 256 refusals of a run), before its end event.</summary>
    Refused,
    /// <summary>It ended because it was killed (through the API, by a signal from outside, or by a daemon shutdown); the same fields as <see cref="Exited"/>.</summary>
    Killed,
    /// <summary>It was live when a previous daemon stopped without recording its end; published when this daemon opens its data dir.</summary>
    Lost,
    /// <summary>A pool of prepared workers had none left to hand out: <c>pool</c> names it, <c>message</c> says what happens instead.</summary>
    PoolEmpty,
}

public static class EventKinds
{
    /// <summary>The name on the wire (SSE <c>event:</c>, JSON <c>kind</c>, <c>--filter kind=</c>).</summary>
    public static string Name(this EventKind kind) => kind switch
    {
        EventKind.Created => "created",
        EventKind.Started => "started",
        EventKind.Exited => "exited",
        EventKind.Restarted => "restarted",
        EventKind.LimitHit => "limit_hit",
        EventKind.Refused => "refused",
        EventKind.Killed => "killed",
        EventKind.Lost => "lost",
        EventKind.PoolEmpty => "pool_empty",
    };

    public static bool TryParse(string name, out EventKind kind)
    {
        foreach (var k in Enum.GetValues<EventKind>())
        {
            if (k.Name() == name) { kind = k; return true; }
        }
        kind = default;
        return false;
    }

    /// <summary>Every name, for messages that list them.</summary>
    public static string AllNames => string.Join(", ", Enum.GetValues<EventKind>().Select(k => k.Name()));
}
