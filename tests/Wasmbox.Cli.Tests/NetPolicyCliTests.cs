using System.Text.Json;

namespace Wasmbox.Cli.Tests;

/// <summary>
/// Issue 11 through the real CLI: <c>--allow-net</c>, <c>--max-connections</c> and <c>--max-net-bytes</c> are options of
/// run (and documented in its help), bad values stop it with status 125 and one line naming where they were written,
/// and the report has a <c>net</c> object exactly when the sandbox had a network.
/// </summary>
public class NetPolicyCliTests
{
    private static JsonElement Report(TempDir tmp, params string[] args)
    {
        var report = tmp.File("report.json");
        var r = WasmboxProcess.Run(["run", "--report", report, .. args]);
        Assert.True(File.Exists(report), r.Stderr);
        return JsonDocument.Parse(File.ReadAllText(report)).RootElement;
    }

    [Theory]
    [InlineData(new[] { "--allow-net", "example.com" }, "wasmbox: --allow-net 'example.com': no HOST:PORTS; write [connect|bind:]HOST:PORTS")]
    [InlineData(new[] { "--allow-net", "api.example.com:443", "--allow-net", "::1:22" }, "wasmbox: --allow-net '::1:22': an IPv6 address goes in brackets")]
    [InlineData(new[] { "--max-connections", "-1" }, "wasmbox: --max-connections: '-1' is not a whole number")]
    [InlineData(new[] { "--max-net-bytes", "lots" }, "wasmbox: --max-net-bytes: 'lots' is not a size")]
    public void Run_BadNetOption_Is125WithOneLine(string[] options, string start)
    {
        using var tmp = new TempDir();
        var report = tmp.File("report.json");
        var r = WasmboxProcess.Run(["run", "--report", report, .. options, "examples/hello.wasm"]);

        Assert.Equal(125, r.ExitCode);
        Assert.StartsWith(start, r.Stderr);
        Assert.Single(r.Stderr.TrimEnd().Split('\n'));
        Assert.Empty(r.Stdout); // the guest never ran
        var json = JsonDocument.Parse(File.ReadAllText(report)).RootElement;
        Assert.Equal("policy", json.GetProperty("setup_stage").GetString());
    }

    [Fact]
    public void Run_BadRuleInAPolicyFile_NamesTheFileAndThePlace()
    {
        using var tmp = new TempDir();
        var policy = tmp.Write("policy.toml", """allow-net = ["api.example.com:443", "*.example.com:99999"]""");
        var r = WasmboxProcess.Run(["run", "--policy", policy, "examples/hello.wasm"]);

        Assert.Equal(125, r.ExitCode);
        Assert.StartsWith("wasmbox: policy.toml: allow-net[1] '*.example.com:99999': ", r.Stderr);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("process")]
    public void Report_WithoutNetwork_HasNetNull(string tier)
    {
        using var tmp = new TempDir();
        var json = Report(tmp, "--isolation", tier, "examples/hello.wasm");
        Assert.Equal(0, json.GetProperty("exit_code").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("net").ValueKind);
    }

    /// <summary>A sandbox with rules reports its sockets even when it opened none; a worker sends the counts with its result.</summary>
    [Theory]
    [InlineData("none")]
    [InlineData("process")]
    public void Report_WithRules_HasNetCounts(string tier)
    {
        using var tmp = new TempDir();
        var policy = tmp.Write("policy.toml", """
            allow-net = ["api.example.com:443"]
            max-net-bytes = "1MiB"
            """);
        var json = Report(tmp, "--isolation", tier, "--policy", policy, "--allow-net", "bind:[::1]:8000-8099", "--max-connections", "2", "examples/hello.wasm");

        Assert.Equal(0, json.GetProperty("exit_code").GetInt32());
        var net = json.GetProperty("net");
        foreach (var field in new[] { "connections_made", "connections_refused", "bytes_sent", "bytes_received" })
            Assert.Equal(0, net.GetProperty(field).GetInt64());
        Assert.Empty(json.GetProperty("limits_hit").EnumerateArray());
    }

    [Fact]
    public void Help_Run_DocumentsTheNetOptions()
    {
        var help = WasmboxProcess.Run(["run", "--help"]).Stdout;
        foreach (var text in new[] { "--allow-net", "[connect|bind:]HOST:PORTS", "--max-connections", "--max-net-bytes", "api.example.com:443",
                     "*.example.com:443", "10.0.0.0/8:*", "bind:[::1]:8000-8099", "EACCES", "cloud metadata", "no network" })
            Assert.Contains(text, help);
        var spawn = WasmboxProcess.Run(["spawn", "--help"]).Stdout;
        Assert.Contains("--allow-net", spawn);
    }
}
