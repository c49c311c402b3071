using System.Text.Json;

namespace Wasmbox.Cli.Tests;

public class DoctorCommandTests
{
    private static readonly string[] LayerNames = ["bubblewrap", "user namespaces", "seccomp", "cgroups", "landlock", "rlimits"];

    [Fact]
    public void Doctor_Table_ExitsZeroListsEveryLayerAndEndsWithVerdict()
    {
        var r = WasmboxProcess.Run(["doctor"]);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var layer in LayerNames)
            Assert.Contains(lines, l => l.StartsWith(layer + " ", StringComparison.Ordinal) && (l.Contains(" ok ") || l.Contains(" missing ")));
        Assert.StartsWith("this host can run ", lines[^1]);
    }

    [Fact]
    public void Doctor_Json_ParsesWithEveryLayerAndATier()
    {
        var r = WasmboxProcess.Run(["doctor", "--json"]);

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Contains(doc.RootElement.GetProperty("tier").GetString(), new[] { "jail", "process" });
        Assert.Equal(LayerNames, doc.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("layer").GetString()));
        Assert.StartsWith("this host can run ", doc.RootElement.GetProperty("verdict").GetString());
    }
}
