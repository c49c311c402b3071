using System.CommandLine;
using Wasmbox.Core.Policy;

namespace Wasmbox.Cli.Commands;

/// <summary><c>wasmbox compile MODULE</c>: compiles into the cache so the next <c>run</c> starts without compiling.</summary>
internal sealed class CompileCommand
{
    private readonly CacheOptions _cache = new();
    private readonly Argument<string> _module = new("MODULE") { Description = "The .wasm (or .wat) file to compile." };

    // Compiled code depends on whether fuel metering is compiled in, so compile for the limits you will run with. wasmbox
    // run's time limits compile nothing in (it ends the sandbox's process, see TimeLimitStop): --timeout is accepted so
    // that scripts passing it keep working, and compiles the same entry.
    private readonly Option<bool> _fuel = new("--fuel") { Description = "Compile for runs with --fuel (fuel metering compiled in)." };
    private readonly Option<bool> _timeout = new("--timeout") { Description = "Compile for runs with --timeout (the same entry as without it: wasmbox run compiles no deadline checks)." };

    public CompileCommand()
    {
        Command = new Command("compile", "Compile a module into the cache, for the limits it will run with (by default: no --fuel), in a bounded compile worker (jailed where the jail is the default).");
        foreach (var option in _cache.All.Append(_fuel).Append(_timeout)) Command.Options.Add(option);
        Command.Arguments.Add(_module);
        Command.SetAction(Execute);
    }

    public Command Command { get; }

    private int Execute(ParseResult parsed)
    {
        var stdout = parsed.InvocationConfiguration.Output;
        var stderr = parsed.InvocationConfiguration.Error;
        var path = parsed.GetValue(_module)!;
        var cache = _cache.Open(parsed);
        if (cache is null) return CliError.Print(stderr, "compile with --no-cache would do nothing; drop --no-cache");

        var policy = SandboxPolicy.DenyAll with
        {
            Limits = new SandboxLimits(null, parsed.GetValue(_fuel) ? 1UL : null, parsed.GetValue(_timeout) ? TimeSpan.FromSeconds(1) : null),
        };
        // For the tier a plain `wasmbox run` would choose: its runs look for entries compiled at that tier's site.
        var tier = Launch.Tiers.TierChoice.For(policy, line => stderr.WriteLine("wasmbox: notice: " + line));
        var prepared = Launch.Modules.ModulePreparation.Prepare(path, policy, tier, cache);
        if (prepared.Failure is { } failure) return CliError.Print(stderr, failure.Outcome.Message);
        stdout.WriteLine($"{(prepared.FromCache ? "cached" : "compiled")} {path} -> {prepared.File}");
        return 0;
    }
}
