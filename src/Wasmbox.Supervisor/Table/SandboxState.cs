using Wasmbox.Core.Outcomes;

namespace Wasmbox.Supervisor.Table;

/// <summary>
/// Where a sandbox is in its life: <c>created → running → exited | trapped | timeout | killed | memory_limit | failed</c>,
/// and <c>lost</c> for one whose worker died with a previous daemon. With a restart policy a run's end may lead to
/// <c>backoff → running</c> again instead. Every other state is final.
/// </summary>
public enum SandboxState
{
    /// <summary>Recorded, not yet started (only for the moment <see cref="Supervisor.Create"/> runs).</summary>
    Created,
    Running,
    /// <summary>A run ended and its restart policy starts another after a backoff (<see cref="SandboxRecord.NextAttemptAt"/>); live.</summary>
    Backoff,
    /// <summary>The guest exited by itself; the exit status is its code.</summary>
    Exited,
    Trapped,
    /// <summary>A wall-clock, CPU-time or fuel budget stopped it (fuel is a time budget counted in instructions; both exit 124).</summary>
    Timeout,
    /// <summary>Killed through the supervisor, by a signal from outside, or because the daemon shut down.</summary>
    Killed,
    MemoryLimit,
    /// <summary>It never ran: the starter refused it (bad module, isolation unavailable, …) or broke down.</summary>
    Failed,
    /// <summary>It was created or running when a previous daemon stopped without recording its end; its outcome is unknown.</summary>
    Lost,
}

public static class SandboxStates
{
    /// <summary>The name in JSON, the API and the database.</summary>
    public static string Name(this SandboxState state) => state switch
    {
        SandboxState.Created => "created",
        SandboxState.Running => "running",
        SandboxState.Backoff => "backoff",
        SandboxState.Exited => "exited",
        SandboxState.Trapped => "trapped",
        SandboxState.Timeout => "timeout",
        SandboxState.Killed => "killed",
        SandboxState.MemoryLimit => "memory_limit",
        SandboxState.Failed => "failed",
        SandboxState.Lost => "lost",
    };

    public static bool TryParse(string name, out SandboxState state)
    {
        foreach (var s in Enum.GetValues<SandboxState>())
        {
            if (s.Name() == name) { state = s; return true; }
        }
        state = default;
        return false;
    }

    public static SandboxState Parse(string name) =>
        TryParse(name, out var s) ? s : throw new FormatException($"unknown sandbox state '{name}'");

    /// <summary>Created, running and backoff sandboxes are live; every other state is final and never changes again.</summary>
    public static bool IsFinal(this SandboxState state) => state is not (SandboxState.Created or SandboxState.Running or SandboxState.Backoff);

    /// <summary>The final state for an outcome. Out of fuel counts as <see cref="SandboxState.Timeout"/> (same exit status, 124).</summary>
    public static SandboxState FromOutcome(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Exited => SandboxState.Exited,
        OutcomeKind.Trapped => SandboxState.Trapped,
        OutcomeKind.Timeout or OutcomeKind.OutOfFuel => SandboxState.Timeout,
        OutcomeKind.MemoryLimit => SandboxState.MemoryLimit,
        OutcomeKind.SetupFailed => SandboxState.Failed,
        OutcomeKind.Killed => SandboxState.Killed,
    };
}
