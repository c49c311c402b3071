using System.CommandLine;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime;

namespace Wasmbox.Cli.Commands;

/// <summary><c>wasmbox compile MODULE</c>: compiles into the cache so the next <c>run</c> starts without compiling.</summary>
internal sealed class CompileCommand
{
    private readonly CacheOptions _cache = new();
    private readonly Argument<string> _module = new("MODULE") { Description = "The .wasm (or .wat) file to compile." };

    // Compiled code depends on whether fuel and deadline checks are compiled in, so compile for the limits you will run with.
    private readonly Option<bool> _fuel = new("--fuel") { Description = "Compile for runs with --fuel (fuel metering compiled in)." };
    private readonly Option<bool> _timeout = new("--timeout") { Description = "Compile for runs with --timeout (deadline checks compiled in)." };

    public CompileCommand()
    {
        Command = new Command("compile", "Compile a module into the cache, for the limits it will run with (by default: no --fuel, no --timeout).");
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
        try
        {
            using var module = Sandbox.Compile(path, policy, cache);
            var key = Core.Caching.ModuleCache.Key(module.Sha256, Sandbox.EngineFor(policy).Settings.Fingerprint);
            stdout.WriteLine($"{(module.FromCache ? "cached" : "compiled")} {path} -> {cache.PathFor(key)}");
            return 0;
        }
        catch (SetupException e)
        {
            return CliError.Print(stderr, e.Message);
        }
    }
}
