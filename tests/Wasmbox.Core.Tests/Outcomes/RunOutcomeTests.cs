using Wasmbox.Core.Outcomes;

namespace Wasmbox.Core.Tests.Outcomes;

public class RunOutcomeTests
{
    [Fact]
    public void ExitStatus_FollowsTheDesignTable()
    {
        Assert.Equal(0, RunOutcome.Exited(0).ExitStatus);
        Assert.Equal(42, RunOutcome.Exited(42).ExitStatus);
        Assert.Equal(124, RunOutcome.TimedOut(TimeSpan.FromSeconds(1)).ExitStatus);
        Assert.Equal(124, RunOutcome.OutOfFuel(10).ExitStatus);
        Assert.Equal(134, RunOutcome.Trapped("Unreachable", "x").ExitStatus);
        Assert.Equal(137, RunOutcome.MemoryLimit("x").ExitStatus);
        Assert.Equal(125, RunOutcome.SetupFailed(SetupStage.Compile, "x").ExitStatus);
    }

    [Fact]
    public void Report_HasEveryFieldEvenForSetupFailure()
    {
        var report = RunReport.From(new RunResult(RunOutcome.SetupFailed(SetupStage.Policy, "bad"), ResourceUsage.Zero, null));
        var json = System.Text.Json.JsonDocument.Parse(report.ToJson()).RootElement;
        foreach (var field in new[] { "outcome", "exit_code", "trap", "message", "limits_hit", "wall_ms", "cpu_ms", "fuel_consumed", "peak_memory_bytes", "peak_rss_bytes", "module_sha256" })
            Assert.True(json.TryGetProperty(field, out _), $"report lacks {field}");
        Assert.Equal("setup_failed", json.GetProperty("outcome").GetString());
        Assert.Equal(125, json.GetProperty("exit_code").GetInt32());
        Assert.Equal("policy", json.GetProperty("setup_stage").GetString());
    }

    [Fact]
    public void Report_NamesLimitsByTheirFlag()
    {
        var usage = ResourceUsage.Zero with { LimitsHit = [LimitKind.MaxMemory, LimitKind.Fuel, LimitKind.Timeout] };
        var report = RunReport.From(new RunResult(RunOutcome.Exited(0), usage, "ab"));
        Assert.Equal(["max-memory", "fuel", "timeout"], report.LimitsHit);
    }
}
