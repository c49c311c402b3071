using System.CommandLine;
using Wasmbox.Runtime;
using Wasmbox.Runtime.Modules;

namespace Wasmbox.Cli.Commands;

/// <summary><c>wasmbox inspect MODULE [--json]</c>: what a module imports and exports, and whether wasmbox can run it.</summary>
internal sealed class InspectCommand
{
    private readonly Argument<string> _module = new("MODULE|ID") { Description = "The .wasm (or .wat) file to inspect, or the id or name of a sandbox of the daemon." };
    private readonly Option<string?> _host = Daemon.HostOption.Create();
    private readonly Option<bool> _json = new("--json") { Description = "Print JSON instead of a table." };

    public InspectCommand()
    {
        Command = new Command("inspect", "Show a module's imports, exports and memories, and which WASI capabilities it could use; or, given a sandbox's id or name, its whole record in the daemon (JSON).");
        Command.Options.Add(_json);
        Command.Options.Add(_host);
        Command.Arguments.Add(_module);
        Command.SetAction(Execute);
    }

    public Command Command { get; }

    private int Execute(ParseResult parsed)
    {
        var stdout = parsed.InvocationConfiguration.Output;
        var target = parsed.GetValue(_module)!;
        // A file (or anything that looks like one) is a module; anything else names a sandbox of the daemon.
        if (!File.Exists(target) && !Directory.Exists(target) && !target.EndsWith(".wasm", StringComparison.OrdinalIgnoreCase)
            && !target.EndsWith(".wat", StringComparison.OrdinalIgnoreCase) && !target.Contains('/'))
            return Daemon.SandboxVerbs.Inspect(parsed, target, parsed.GetValue(_host));
        ModuleInfo info;
        try { info = ModuleInspector.Inspect(parsed.GetValue(_module)!); }
        catch (SetupException e) { return CliError.Print(parsed.InvocationConfiguration.Error, e.Message); }

        if (parsed.GetValue(_json))
        {
            stdout.WriteLine(info.ToJson());
            return 0;
        }
        WriteTable(stdout, info);
        return 0;
    }

    private static void WriteTable(TextWriter o, ModuleInfo info)
    {
        o.WriteLine($"module        {info.Path}");
        o.WriteLine($"sha256        {info.Sha256}");
        o.WriteLine($"size          {info.SizeBytes} bytes");
        o.WriteLine($"wasi command  {(info.IsWasiCommand ? "yes" : "no: " + info.NotRunnableBecause)}");
        o.WriteLine($"capabilities  {(info.WasiCapabilities.Count == 0 ? "none" : string.Join(", ", info.WasiCapabilities))}");
        o.WriteLine("memories");
        if (info.Memories.Count == 0) o.WriteLine("  (none exported or imported)");
        foreach (var m in info.Memories)
            o.WriteLine($"  {m.Name,-30} {(m.Imported ? "imported" : "defined"),-9} min {m.MinPages} pages ({m.MinPages * 64} KiB), max {(m.MaxPages is { } max ? $"{max} pages" : "none")}");
        o.WriteLine($"imports ({info.Imports.Count})");
        var width = info.Imports.Select(i => i.Module.Length + i.Name.Length + 1).DefaultIfEmpty(0).Max();
        foreach (var i in info.Imports)
            o.WriteLine($"  {(i.Module + "." + i.Name).PadRight(width)}  {i.Kind,-6} {i.Type}{(i.WasiGroup is { } g ? $"  [{g}]" : "")}");
        o.WriteLine($"exports ({info.Exports.Count})");
        width = info.Exports.Select(e => e.Name.Length).DefaultIfEmpty(0).Max();
        foreach (var e in info.Exports)
            o.WriteLine($"  {e.Name.PadRight(width)}  {e.Kind,-6} {e.Type}");
    }
}
