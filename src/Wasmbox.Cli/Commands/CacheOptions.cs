using System.CommandLine;
using Wasmbox.Core.Caching;

namespace Wasmbox.Cli.Commands;

/// <summary>Where compiled modules are kept: <c>--cache-dir</c>, <c>--no-cache</c>, else <c>$XDG_CACHE_HOME/wasmbox</c>.</summary>
internal sealed class CacheOptions
{
    public Option<string?> CacheDir { get; } = new("--cache-dir")
    {
        Description = "Folder for compiled modules (default: $XDG_CACHE_HOME/wasmbox, else ~/.cache/wasmbox).",
        HelpName = "DIR",
    };

    public Option<bool> NoCache { get; } = new("--no-cache")
    {
        Description = "Compile the module every time; read and write no cache.",
    };

    public IEnumerable<Option> All => [CacheDir, NoCache];

    public ModuleCache? Open(ParseResult parsed)
    {
        if (parsed.GetValue(NoCache)) return null;
        var dir = parsed.GetValue(CacheDir) ?? ModuleCache.DefaultDirectory(Environment.GetEnvironmentVariable);
        return new ModuleCache(Path.GetFullPath(dir));
    }
}
