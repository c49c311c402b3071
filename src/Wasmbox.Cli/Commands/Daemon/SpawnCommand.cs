using System.CommandLine;
using Wasmbox.Core.Api;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime.Modules;

namespace Wasmbox.Cli.Commands.Daemon;

/// <summary>
/// <c>wasmbox spawn [run options] [--name N] [--label K=V] MODULE [ARGS...]</c>: starts a sandbox in the daemon and prints
/// its id. The module is uploaded when the daemon does not hold its SHA-256 yet, so client and daemon need not share files.
/// </summary>
internal sealed class SpawnCommand : IGuestCommand
{
    private readonly PolicyOptions _policy = new();
    private readonly Option<string?> _host = HostOption.Create();
    private readonly Option<string?> _name = new("--name") { Description = "A unique name to use instead of the id.", HelpName = "NAME" };
    private readonly Option<string?> _restart = new("--restart")
    {
        Description = "When to run it again after a run ends: no (default), on-failure[:N] (a run that did not exit 0, at most N more times), always, unless-stopped. Backoff: 100 ms doubling to 30 s, reset after 60 s of running.",
        HelpName = "no|on-failure[:N]|always|unless-stopped",
    };
    private readonly Option<string[]> _label = new("--label") { Description = "A label KEY=VALUE (repeatable); filter with ps --filter label=KEY=VALUE.", HelpName = "KEY=VALUE", Arity = ArgumentArity.ZeroOrMore };
    private readonly Argument<string> _module = new("MODULE") { Description = "The .wasm (or .wat) file; it is the guest's argv[0]." };
    private readonly Argument<string[]> _args = new("ARGS") { Description = "Arguments for the guest (everything after MODULE).", Arity = ArgumentArity.ZeroOrMore };

    public SpawnCommand()
    {
        Command = new Command("spawn", "Start a sandbox in the daemon (same options as run; its stdin is empty unless --stdin FILE) and print its id.");
        foreach (var option in _policy.All.Append(_name).Append(_label).Append(_restart).Append(_host)) Command.Options.Add(option);
        Command.Arguments.Add(_module);
        Command.Arguments.Add(_args);
        Command.SetAction(Execute);
    }

    public Command Command { get; }

    public string[] GuestArgs { get; set; } = [];

    private int Execute(ParseResult parsed)
    {
        var stderr = parsed.InvocationConfiguration.Error;
        var modulePath = parsed.GetValue(_module)!;
        System.Text.Json.JsonElement policy;
        byte[]? stdin = null;
        Dictionary<string, string> labels = [];
        byte[] module;
        try
        {
            var settings = _policy.Read(parsed);
            if (settings.Stdin is { } s)
            {
                if (s.Text == "inherit") throw new PolicyException($"{s.Source} inherit: a spawned sandbox outlives this shell; pass --stdin FILE, or use wasmbox run");
                if (s.Text != "none") stdin = File.ReadAllBytes(Path.GetFullPath(s.Text, s.BaseDirectory));
                settings.Stdin = null;
            }
            // Checked here first, so a mistake is named in the words it was written in (--max-memory, not the API's key).
            settings.Build(Environment.GetEnvironmentVariable, defaultStdin: new StdinSource.None());
            policy = PolicyRequest.ToJson(settings);
            foreach (var label in parsed.GetValue(_label) ?? [])
            {
                var eq = label.IndexOf('=');
                if (eq <= 0) throw new PolicyException($"--label '{label}': write KEY=VALUE");
                labels[label[..eq]] = label[(eq + 1)..];
            }
            module = ModuleLoader.ReadModuleFile(modulePath);
        }
        catch (PolicyException e) { return CliError.Print(stderr, e.Message); }
        catch (Runtime.SetupException e) { return CliError.Print(stderr, e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return CliError.Print(stderr, $"cannot read the stdin file: {e.Message}"); }

        return HostOption.Call(parsed, _host, async scope =>
        {
            var sha = ModuleLoader.Sha256Of(module);
            if (await scope.Client.GetModuleAsync(sha) is null) await scope.Client.UploadModuleAsync(module);
            var view = await scope.Client.SpawnAsync(new SpawnRequest(sha, null, GuestArgs, policy, parsed.GetValue(_name), labels,
                stdin is null ? null : Convert.ToBase64String(stdin), modulePath) { Restart = parsed.GetValue(_restart) });
            scope.Stdout.WriteLine(view.Id);
            return 0;
        });
    }
}
