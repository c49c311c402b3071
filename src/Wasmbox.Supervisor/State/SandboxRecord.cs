using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Supervisor.State;

/// <summary>One row of the sandbox table, as stored and as <c>inspect</c> shows it. Times are UTC.</summary>
/// <param name="ExitStatus">As <c>wasmbox run</c> would exit (<see cref="RunOutcome.ExitStatus"/>); null until final, and for lost sandboxes.</param>
/// <param name="Report">The <c>--report</c> JSON of the run; null until final, and for lost sandboxes.</param>
/// <param name="Message">One line on how it ended (the outcome's message, or why it is lost or failed).</param>
public sealed record SandboxRecord(
    string Id,
    string? Name,
    IReadOnlyDictionary<string, string> Labels,
    string ModuleSha256,
    string ModulePath,
    string Argv0,
    IReadOnlyList<string> Args,
    SandboxPolicy Policy,
    SandboxState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? ExitStatus,
    RunReport? Report,
    string? Message,
    string? WorkerInfo)
{
    /// <summary>When the sandbox runs again after a run ends (<c>--restart</c>).</summary>
    public RestartPolicy Restart { get; init; } = RestartPolicy.No;

    /// <summary>The number of the current (or last) run: 1, then one more per restart. Earlier runs: <see cref="StateStore.Runs"/>.</summary>
    public int Run { get; init; } = 1;

    /// <summary>In <see cref="SandboxState.Backoff"/>: when the next run starts.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
}
