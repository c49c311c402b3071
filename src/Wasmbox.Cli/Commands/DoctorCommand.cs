using System.CommandLine;
using Wasmbox.Jail;

namespace Wasmbox.Cli.Commands;

/// <summary>
/// <c>wasmbox doctor [--json]</c>: which isolation layers this host can enforce and what to install. It is a report, so it
/// exits 0 whatever it finds.
/// </summary>
internal sealed class DoctorCommand
{
    private readonly Option<bool> _json = new("--json") { Description = "Print JSON instead of a table." };

    public DoctorCommand()
    {
        Command = new Command("doctor", "Show which isolation layers this host can enforce (bubblewrap, user namespaces, seccomp, " +
                                        "cgroups, Landlock, rlimits) and what to install for the jail tier.");
        Command.Options.Add(_json);
        Command.SetAction(Execute);
    }

    public Command Command { get; }

    private int Execute(ParseResult parsed)
    {
        var stdout = parsed.InvocationConfiguration.Output;
        var report = HostReport.Probe();
        if (parsed.GetValue(_json))
        {
            stdout.WriteLine(report.ToJson());
            return 0;
        }
        var width = report.Layers.Max(l => l.Layer.Length);
        stdout.WriteLine($"{"layer".PadRight(width)}  {"status",-7}  detail");
        foreach (var l in report.Layers)
        {
            stdout.WriteLine($"{l.Layer.PadRight(width)}  {(l.Available ? "ok" : "missing"),-7}  {l.Detail}");
            if (l.Fix is { } fix) stdout.WriteLine($"{"".PadRight(width)}  {"",-7}  fix: {fix}");
        }
        stdout.WriteLine();
        stdout.WriteLine(report.Verdict);
        return 0;
    }
}
