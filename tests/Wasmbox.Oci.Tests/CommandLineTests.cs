using System.Text.Json;

namespace Wasmbox.Oci.Tests;

/// <summary>The parts of runc's command line that need no container: --version, features, flag forms.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Version_PrintsRuncsFirstLinesAndOurs()
    {
        using var oci = new OciRuntime();
        var lines = oci.Ok("--version").Stdout.Split('\n');
        Assert.StartsWith("wasmbox-oci version ", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("spec: 1.", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("wasmbox: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Features_PrintsTheSpecsShape()
    {
        using var oci = new OciRuntime();
        using var doc = JsonDocument.Parse(oci.Ok("features").Stdout);
        Assert.Equal("1.0.0", doc.RootElement.GetProperty("ociVersionMin").GetString());
        Assert.Equal(0, doc.RootElement.GetProperty("hooks").GetArrayLength());
        Assert.Contains("ro", doc.RootElement.GetProperty("mountOptions").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void GlobalFlags_EqualsFormAndIgnoredFlags_Accepted()
    {
        using var oci = new OciRuntime();
        var r = oci.Run(["--systemd-cgroup", "--debug", "--log-format=json", "--rootless=false", "delete", "--force", "nothing"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(1, oci.Run(["--log-format=xml", "features"]).ExitCode);
    }

    [Fact]
    public void LogFormatText_ErrorsAreLogrusLines()
    {
        using var oci = new OciRuntime();
        var log = oci.File("text.log");
        var r = oci.Run(["--log", log, "--log-format", "text", "state", "nope"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Matches("^time=\"[^\"]+\" level=error msg=\"container nope does not exist\"$", File.ReadAllText(log).Trim());
    }

    [Theory]
    [InlineData("9", 9)]
    [InlineData("KILL", 9)]
    [InlineData("SIGTERM", 15)]
    [InlineData("hup", 1)]
    public void Signals_NumbersAndNames_Parsed(string text, int number) =>
        Assert.Equal(number, Wasmbox.Oci.Commands.Signals.Parse(text));

    [Fact]
    public void ArgReader_AllFlagForms_Read()
    {
        var reader = new Wasmbox.Oci.Cli.ArgReader(["-b", "B", "--pid-file=P", "-console-socket", "S", "--force=true", "id"], "create",
            new Dictionary<string, string[]> { ["bundle"] = ["b"], ["pid-file"] = [], ["console-socket"] = [] },
            new Dictionary<string, string[]> { ["force"] = ["f"] });
        Assert.Equal(("B", "P", "S"), (reader.Value("bundle"), reader.Value("pid-file"), reader.Value("console-socket")));
        Assert.True(reader.Has("force"));
        Assert.Equal("id", reader.Id("create"));
    }
}
