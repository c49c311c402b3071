using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Wasmbox.Cli.Daemon;
using Wasmbox.Core.Api;

namespace Wasmbox.Cli.Commands.Daemon;

/// <summary>
/// <c>wasmbox events [--filter KEY=VALUE] [--since N] [--json] [--no-follow]</c>: the daemon's events as they happen, one
/// line each, until interrupted or the daemon stops. A client that falls behind is cut off by the daemon and resumes
/// here from the last event it printed, so nothing is lost while the daemon still holds it.
/// </summary>
internal sealed class EventsCommand
{
    private readonly Option<string?> _host = HostOption.Create();
    private readonly Option<string[]> _filter = new("--filter") { Description = "sandbox=ID|NAME or kind=KIND[,KIND] (repeatable; kinds: created, started, exited, restarted, limit_hit, refused, killed, lost, pool_empty).", HelpName = "KEY=VALUE", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<long?> _since = new("--since") { Description = "First print the events after sequence number N that the daemon still holds (0: all it holds; numbers restart with each daemon).", HelpName = "N" };
    private readonly Option<bool> _json = new("--json") { Description = "Print each event as one line of JSON (the API's fields, snake_case)." };
    private readonly Option<bool> _noFollow = new("--no-follow") { Description = "Print what the daemon holds (with --since) and exit instead of waiting for more." };

    public EventsCommand()
    {
        Command = new Command("events", "Print the daemon's events: created, started, exited, restarted, limit_hit, refused, killed, lost, pool_empty.");
        foreach (var o in new Option[] { _filter, _since, _json, _noFollow, _host }) Command.Options.Add(o);
        Command.SetAction(Execute);
    }

    public Command Command { get; }

    private int Execute(ParseResult parsed)
    {
        var stderr = parsed.InvocationConfiguration.Error;
        var query = new List<string>();
        foreach (var f in parsed.GetValue(_filter) ?? [])
        {
            var eq = f.IndexOf('=');
            var key = eq < 0 ? f : f[..eq];
            var value = eq < 0 ? "" : f[(eq + 1)..];
            if (eq < 0 || value.Length == 0 || key is not ("sandbox" or "id" or "name" or "kind"))
                return CliError.Print(stderr, $"--filter '{f}': write sandbox=ID|NAME or kind=KIND[,KIND]");
            query.Add($"{(key == "kind" ? "kind" : "sandbox")}={Uri.EscapeDataString(value)}");
        }
        if (parsed.GetValue(_since) is < 0) return CliError.Print(stderr, "--since: write 0 or a larger event number");
        var follow = !parsed.GetValue(_noFollow);
        if (!follow) query.Add("follow=false");
        var json = parsed.GetValue(_json);
        var path = "v1/events" + (query.Count == 0 ? "" : "?" + string.Join('&', query));

        return HostOption.Call(parsed, _host, async scope =>
        {
            var after = parsed.GetValue(_since);
            while (true)
            {
                using var response = await scope.Client.OpenStreamAsync(path, after);
                await using var body = await response.Content.ReadAsStreamAsync();
                string? ending = null;
                try
                {
                    await foreach (var sse in ServerSentEvents.ReadAsync(body))
                    {
                        switch (sse.Event)
                        {
                            case "gap" or "overflow" or "shutdown":
                                var notice = JsonSerializer.Deserialize(sse.Data, EventJson.Default.StreamNotice);
                                if (sse.Event == "gap") scope.Stderr.WriteLine($"wasmbox: notice: {notice?.Message}");
                                else ending = sse.Event;
                                break;
                            default:
                                var e = JsonSerializer.Deserialize(sse.Data, EventJson.Default.EventView);
                                if (e is null) break;
                                scope.Stdout.WriteLine(json ? JsonSerializer.Serialize(e, EventJson.Default.EventView) : Line(e));
                                scope.Stdout.Flush();
                                after = e.Seq;
                                break;
                        }
                    }
                }
                catch (IOException) { ending = null; }
                catch (HttpRequestException) { ending = null; }
                switch (ending)
                {
                    case "overflow":
                        // Cut off for falling behind: the daemon usually still holds what followed, so resume from here.
                        after ??= 0;
                        continue;
                    case "shutdown":
                        scope.Stderr.WriteLine("wasmbox: notice: the daemon is shutting down; no more events");
                        return 0;
                    default:
                        if (!follow) return 0;
                        throw new DaemonException($"the daemon closed the event stream (on {scope.Client.Socket}); run wasmbox events --since {after ?? 0} to resume");
                }
            }
        });
    }

    /// <summary>TIME SEQ KIND ID NAME details — one line a person can grep.</summary>
    internal static string Line(EventView e)
    {
        var line = new StringBuilder();
        line.Append(e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
            .Append(' ').Append(e.Seq.ToString(CultureInfo.InvariantCulture))
            .Append(' ').Append(e.Kind.PadRight(10))
            .Append(' ').Append(e.SandboxId ?? "-")
            .Append(' ').Append(e.Name ?? "-");
        void Field(string key, object? value)
        {
            if (value is null) return;
            var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            line.Append(' ').Append(key).Append('=').Append(text.Contains(' ') || text.Length == 0 ? JsonSerializer.Serialize(text, EventJson.Default.String) : text);
        }
        Field("state", e.State);
        Field("exit", e.ExitStatus);
        if (e.Outcome != e.State) Field("outcome", e.Outcome);
        if (e.LimitsHit is { Count: > 0 } limits) Field("limits_hit", string.Join(',', limits));
        Field("cpu_ms", e.CpuMs);
        Field("limit", e.Limit);
        Field("call", e.Call);
        Field("path", e.Path);
        Field("address", e.Address);
        Field("errno", e.Errno);
        Field("reason", e.Reason);
        Field("backoff_ms", e.BackoffMs);
        Field("restarts", e.RestartCount);
        Field("pool", e.Pool);
        if (e.Kind is "exited" or "killed" or "lost" or "pool_empty") Field("message", e.Message);
        return line.ToString();
    }
}
