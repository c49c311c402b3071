using System.CommandLine;
using System.Text.Json;
using Wasmbox.Core.Api;

namespace Wasmbox.Cli.Commands.Daemon;

/// <summary>The verbs on one sandbox of the daemon: <c>logs</c>, <c>kill</c>, <c>wait</c>, <c>rm</c>, and <c>inspect</c> of a sandbox.</summary>
internal static class SandboxVerbs
{
    private static Argument<string> Id() => new("ID") { Description = "The sandbox's id or name." };

    public static Command Logs()
    {
        var host = HostOption.Create();
        var id = Id();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new output until the sandbox ends." };
        var tail = new Option<int?>("--tail") { Description = "Only the last N lines.", HelpName = "N" };
        var since = new Option<string?>("--since") { Description = "Only output written after this time (RFC 3339, e.g. 2026-12-05T20:00:00Z).", HelpName = "TIME" };
        var stream = new Option<string?>("--stream") { Description = "Only stdout or only stderr.", HelpName = "stdout|stderr" };
        var run = new Option<int?>("--run") { Description = "Only what run N wrote (1 is the first; a restart policy adds one per restart). Default: every run.", HelpName = "N" };
        var command = new Command("logs", "Print a sandbox's output (stdout and stderr in the order it wrote them).") { id, follow, tail, since, stream, run, host };
        command.SetAction(parsed => HostOption.Call(parsed, host, async scope =>
        {
            var query = new List<string>();
            if (parsed.GetValue(follow)) query.Add("follow=true");
            if (parsed.GetValue(tail) is { } n) query.Add($"tail={n}");
            if (parsed.GetValue(since) is { } t) query.Add($"since={Uri.EscapeDataString(t)}");
            if (parsed.GetValue(stream) is { } s) query.Add($"stream={Uri.EscapeDataString(s)}");
            if (parsed.GetValue(run) is { } r) query.Add($"run={r}");
            scope.Stdout.Flush();
            using var stdout = Console.OpenStandardOutput();
            var dropped = await scope.Client.CopyLogsAsync(parsed.GetValue(id)!, query.Count == 0 ? "" : "?" + string.Join('&', query), stdout);
            if (dropped > 0) scope.Stderr.WriteLine($"wasmbox: notice: {dropped} older bytes of this log were dropped (the daemon's --log-limit)");
            return 0;
        }));
        return command;
    }

    public static Command Audit()
    {
        var host = HostOption.Create();
        var id = Id();
        var run = new Option<int?>("--run") { Description = "Only run N's refusals (1 is the first). Default: every run.", HelpName = "N" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var command = new Command("audit",
            "List the WASI calls a sandbox's policy refused (call, errno, reason with the path or address), recorded when each run ends; the first 256 of a run are kept, all are counted.")
            { id, run, json, host };
        command.SetAction(parsed => HostOption.Call(parsed, host, async scope =>
        {
            var view = await scope.Client.AuditAsync(parsed.GetValue(id)!, parsed.GetValue(run) is { } r ? $"?run={r}" : "");
            if (parsed.GetValue(json))
            {
                scope.Stdout.WriteLine(System.Text.Json.JsonSerializer.Serialize(view, Core.Api.ApiJson.Default.AuditView));
                return 0;
            }
            scope.Stdout.WriteLine("RUN  CALL                     ERRNO       REASON");
            foreach (var e in view.Refusals) scope.Stdout.WriteLine($"{e.Run,-4} {e.Call,-24} {e.Errno,-11} {e.Reason}");
            if (view.Dropped > 0) scope.Stderr.WriteLine($"wasmbox: notice: {view.Dropped} more refusals were counted but not kept (256 per run)");
            return 0;
        }));
        return command;
    }

    public static Command Kill()
    {
        var host = HostOption.Create();
        var id = Id();
        var command = new Command("kill", "Stop a running sandbox (its worker's cgroup is killed).") { id, host };
        command.SetAction(parsed => HostOption.Call(parsed, host, async scope =>
        {
            var view = await scope.Client.KillAsync(parsed.GetValue(id)!);
            scope.Stdout.WriteLine(view.Id);
            return 0;
        }));
        return command;
    }

    public static Command Wait()
    {
        var host = HostOption.Create();
        var id = Id();
        var command = new Command("wait", "Wait until a sandbox ends, and exit with its status (the same table as run).") { id, host };
        command.SetAction(parsed => HostOption.Call(parsed, host, async scope =>
        {
            var view = await scope.Client.WaitAsync(parsed.GetValue(id)!);
            if (view.State != "exited" && view.Message is { } message) scope.Stderr.WriteLine("wasmbox: " + CliError.OneLine(message));
            // A sandbox lost with a previous daemon has no status of its own: it was killed with that daemon.
            return view.ExitStatus ?? Core.Outcomes.RunOutcome.KilledStatus;
        }));
        return command;
    }

    public static Command Remove()
    {
        var host = HostOption.Create();
        var ids = new Argument<string[]>("ID") { Description = "Ids or names.", Arity = ArgumentArity.OneOrMore };
        var force = new Option<bool>("--force", "-f") { Description = "Kill a running sandbox first." };
        var command = new Command("rm", "Remove ended sandboxes and their logs.") { ids, force, host };
        command.SetAction(parsed => HostOption.Call(parsed, host, async scope =>
        {
            foreach (var id in parsed.GetValue(ids)!)
            {
                await scope.Client.RemoveAsync(id, parsed.GetValue(force));
                scope.Stdout.WriteLine(id);
            }
            return 0;
        }));
        return command;
    }

    /// <summary><c>inspect ID</c> when ID is not a module file: the sandbox's whole record as JSON.</summary>
    public static int Inspect(ParseResult parsed, string id, string? host)
    {
        var stderr = parsed.InvocationConfiguration.Error;
        try
        {
            using var client = Wasmbox.Cli.Daemon.DaemonClient.For(host);
            var view = client.GetAsync(id).GetAwaiter().GetResult();
            parsed.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(view, ApiJsonIndented.Default.SandboxView));
            return 0;
        }
        catch (Wasmbox.Cli.Daemon.DaemonException e)
        {
            return CliError.Print(stderr, e.Message);
        }
    }
}

/// <summary>The API's types, indented for people (<c>inspect</c>).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(SandboxView))]
internal sealed partial class ApiJsonIndented : System.Text.Json.Serialization.JsonSerializerContext;
