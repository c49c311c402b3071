using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Wasmbox.Core.Api;

namespace Wasmbox.Cli.Commands.Daemon;

/// <summary><c>wasmbox ps [-a] [--filter KEY=VALUE] [--json]</c>: the daemon's sandboxes, the live ones unless -a.</summary>
internal sealed class PsCommand
{
    private readonly Option<string?> _host = HostOption.Create();
    private readonly Option<bool> _all = new("--all", "-a") { Description = "Show every sandbox, ended ones too (default: created and running)." };
    private readonly Option<string[]> _filter = new("--filter") { Description = "state=STATE, name=NAME or label=KEY[=VALUE] (repeatable).", HelpName = "KEY=VALUE", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<bool> _json = new("--json") { Description = "Print JSON (an array of sandboxes) instead of a table." };

    public PsCommand()
    {
        Command = new Command("ps", "List the daemon's sandboxes.");
        foreach (var o in new Option[] { _all, _filter, _json, _host }) Command.Options.Add(o);
        Command.SetAction(Execute);
    }

    public Command Command { get; }

    private int Execute(ParseResult parsed)
    {
        var query = new List<string>();
        foreach (var f in parsed.GetValue(_filter) ?? [])
        {
            var eq = f.IndexOf('=');
            var key = eq < 0 ? f : f[..eq];
            if (eq < 0 || key is not ("state" or "name" or "label"))
                return CliError.Print(parsed.InvocationConfiguration.Error, $"--filter '{f}': write state=STATE, name=NAME or label=KEY[=VALUE]");
            query.Add($"{key}={Uri.EscapeDataString(f[(eq + 1)..])}");
        }
        return HostOption.Call(parsed, _host, async scope =>
        {
            var list = await scope.Client.ListAsync(query.Count == 0 ? "" : "?" + string.Join('&', query));
            if (!parsed.GetValue(_all) && !query.Any(q => q.StartsWith("state=", StringComparison.Ordinal)))
                list = list.Where(s => s.State is "created" or "running" or "backoff").ToList();
            if (parsed.GetValue(_json))
            {
                scope.Stdout.WriteLine(JsonSerializer.Serialize(list, ApiJson.Default.ListSandboxView));
                return 0;
            }
            var table = new Table().NoBorder().HideRowSeparators();
            foreach (var column in new[] { "ID", "NAME", "MODULE", "STATE", "RUN", "EXIT", "CREATED", "LABELS" }) table.AddColumn(column);
            foreach (var s in list.OrderBy(s => s.CreatedAt))
            {
                // A crash loop shows as backoff with the time left until the next attempt.
                var state = s.NextAttemptAt is { } next ? $"{s.State} (next in {Math.Max(0, (next - DateTimeOffset.UtcNow).TotalSeconds):0.0}s)" : s.State;
                table.AddRow(
                    Markup.Escape(s.Id), Markup.Escape(s.Name ?? ""), Markup.Escape(s.Argv0), Markup.Escape(state),
                    s.Run.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    s.ExitStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                    Markup.Escape(Ago(s.CreatedAt)), Markup.Escape(string.Join(',', s.Labels.Select(kv => $"{kv.Key}={kv.Value}"))));
            }
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(scope.Stdout), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
            console.Profile.Width = 160;
            console.Write(table);
            return 0;
        });
    }

    private static string Ago(DateTimeOffset at)
    {
        var age = DateTimeOffset.UtcNow - at;
        return age.TotalSeconds < 60 ? $"{(int)age.TotalSeconds}s ago"
            : age.TotalMinutes < 60 ? $"{(int)age.TotalMinutes}m ago"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h ago"
            : $"{(int)age.TotalDays}d ago";
    }
}
