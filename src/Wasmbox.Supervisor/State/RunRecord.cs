using Wasmbox.Core.Outcomes;

namespace Wasmbox.Supervisor.State;

/// <summary>One finished run of a sandbox (a sandbox with a restart policy has several), as <c>inspect</c> lists them.</summary>
/// <param name="Run">1 for the first run, then one more for each restart.</param>
/// <param name="State">How the run ended: a final state's name (<c>exited</c>, <c>trapped</c>, …, <c>lost</c>).</param>
public sealed record RunRecord(
    int Run, string State, DateTimeOffset? StartedAt, DateTimeOffset FinishedAt, int? ExitStatus, RunReport? Report, string? Message);
