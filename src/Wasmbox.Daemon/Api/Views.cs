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
        logs.DroppedBytes(r.Id));
}
