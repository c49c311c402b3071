using System.Text.Json;
using Wasmbox.Core.Api;
using Wasmbox.Supervisor.Logs;
using Wasmbox.Supervisor.State;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Daemon.Api;

/// <summary>Records of the supervisor as the API shows them.</summary>
internal static class Views
{
    public static SandboxView Of(SandboxRecord r, LogStore logs) => new(
        r.Id, r.Name, r.Labels, r.ModuleSha256, r.Argv0, r.Args, r.State.Name(), r.CreatedAt, r.StartedAt, r.FinishedAt,
        r.ExitStatus, r.Message, r.Report, JsonDocument.Parse(PolicyJson.ToJson(r.Policy)).RootElement.Clone(), r.WorkerInfo,
        logs.DroppedBytes(r.Id))
    {
        Restart = r.Restart.ToString(),
        Run = r.Run,
        NextAttemptAt = r.NextAttemptAt,
    };

    /// <summary>One sandbox with its finished runs (the last run of a sandbox that ended is also the record itself).</summary>
    public static SandboxView WithRuns(SandboxRecord r, StateStore state, LogStore logs) => Of(r, logs) with
    {
        Runs = state.Runs(r.Id).Select(run => new RunView(run.Run, run.State, run.StartedAt, run.FinishedAt, run.ExitStatus, run.Message, run.Report)).ToList(),
    };
}
