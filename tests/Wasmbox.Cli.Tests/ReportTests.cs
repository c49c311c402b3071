using System.Text.Json;

namespace Wasmbox.Cli.Tests;

public class ReportTests
{
    private static JsonElement RunWithReport(TempDir tmp, params string[] args)
    {
        var report = tmp.File("report.json");
        WasmboxProcess.Run(["run", "--report", report, .. args]);
        return JsonDocument.Parse(File.ReadAllText(report)).RootElement;
    }

    /// <summary>Issue 13 item 4: the report counts the calls the policy refused, in every tier (a worker sends them with its result).</summary>
    [Theory]
    [InlineData("none")]
    [InlineData("process")]
    [InlineData("jail")]
    public void Report_CountsPolicyRefusals(string tier)
    {
        if (tier == "jail" && (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/bwrap")))
            Assert.Skip("the jail tier needs Linux and bubblewrap (apt-get install -y bubblewrap)");
        using var tmp = new TempDir();
        var ro = tmp.Dir("ro");
        var json = RunWithReport(tmp, "--isolation", tier, "--ro-dir", ro + "::/ro", Guests.C("files"), "write", "/ro/new.txt", "x");
        Assert.Equal(1, json.GetProperty("exit_code").GetInt32());
        Assert.Equal(1, json.GetProperty("refusals").GetInt64());
        Assert.Empty(Directory.GetFileSystemEntries(ro));
        var clean = RunWithReport(tmp, "--isolation", tier, "examples/hello.wasm");
        Assert.Equal(0, clean.GetProperty("refusals").GetInt64());
    }

    [Fact]
    public void Report_Exited_HasUsageAndHash()
    {
        using var tmp = new TempDir();
        var json = RunWithReport(tmp, "examples/hello.wasm");
        Assert.Equal("exited", json.GetProperty("outcome").GetString());
        Assert.Equal(0, json.GetProperty("exit_code").GetInt32());
        Assert.True(json.GetProperty("wall_ms").GetDouble() > 0);
        Assert.True(json.GetProperty("peak_memory_bytes").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("fuel_consumed").ValueKind);
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(Guests.RepoRoot, "examples/hello.wasm"))));
        Assert.Equal(expected, json.GetProperty("module_sha256").GetString());
    }

    [Theory]
    [InlineData("timeout", "timeout", 124, new[] { "--timeout", "200ms", "tests/guests/wat/loop.wat" })]
    [InlineData("out_of_fuel", "fuel", 124, new[] { "--fuel", "5000", "tests/guests/wat/loop.wat" })]
    [InlineData("memory_limit", "max-memory", 137, new[] { "--max-memory", "1MiB", "tests/guests/wat/big_initial_memory.wat" })]
    [InlineData("exited", "max-memory", 0, new[] { "--max-memory", "16MiB", "tests/guests/c/memhog.wasm" })]
    public void Report_LimitOutcomes_NameTheLimit(string outcome, string limit, int status, string[] args)
    {
        using var tmp = new TempDir();
        var json = RunWithReport(tmp, args);
        Assert.Equal(outcome, json.GetProperty("outcome").GetString());
        Assert.Equal(status, json.GetProperty("exit_code").GetInt32());
        Assert.Contains(limit, json.GetProperty("limits_hit").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Report_Trap_NamesTrapCode()
    {
        using var tmp = new TempDir();
        var json = RunWithReport(tmp, "tests/guests/wat/div_zero.wat");
        Assert.Equal("trapped", json.GetProperty("outcome").GetString());
        Assert.Equal("IntegerDivisionByZero", json.GetProperty("trap").GetString());
        Assert.Equal(134, json.GetProperty("exit_code").GetInt32());
    }

    [Theory]
    [InlineData(new[] { "--max-memory", "huge", "examples/hello.wasm" }, "policy")]
    [InlineData(new[] { "--bogus", "examples/hello.wasm" }, "policy")]
    [InlineData(new[] { "Wasmbox.slnx" }, "compile")]
    [InlineData(new[] { "tests/guests/wat/unknown_import.wat" }, "link")]
    public void Report_SetupFailure_IsStillWritten(string[] args, string stage)
    {
        using var tmp = new TempDir();
        var json = RunWithReport(tmp, args);
        Assert.Equal("setup_failed", json.GetProperty("outcome").GetString());
        Assert.Equal(125, json.GetProperty("exit_code").GetInt32());
        Assert.Equal(stage, json.GetProperty("setup_stage").GetString());
    }

    [Fact]
    public void Report_UnwritablePath_SaysSoAndKeepsGuestStatus()
    {
        var r = WasmboxProcess.Run(["run", "--report", "/no/such/dir/r.json", Guests.C("exit_code"), "3"]);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("cannot write the report", Assert.Single(r.ErrorLines));
    }
}
