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
        foreach (var field in new[] { "outcome", "exit_code", "trap", "message", "limits_hit", "wall_ms", "cpu_ms", "fuel_consumed", "peak_memory_bytes", "peak_rss_bytes", "module_sha256", "net", "io" })
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

    [Fact]
    public void Report_NoNetwork_WritesNetAsNull()
    {
        var json = System.Text.Json.JsonDocument.Parse(RunReport.From(new RunResult(RunOutcome.Exited(0), ResourceUsage.Zero, null)).ToJson()).RootElement;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("net").ValueKind);
    }

    [Fact]
    public void Report_NetUsage_IsAnObjectInSnakeCaseAndReadsBack()
    {
        var usage = ResourceUsage.Zero with
        {
            Net = new NetUsage(ConnectionsMade: 3, ConnectionsRefused: 2, BytesSent: 100, BytesReceived: 5_000_000_000),
            LimitsHit = [LimitKind.MaxConnections, LimitKind.MaxNetBytes],
        };
        var report = RunReport.From(new RunResult(RunOutcome.Exited(0), usage, null));
        var json = System.Text.Json.JsonDocument.Parse(report.ToJson()).RootElement;

        var net = json.GetProperty("net");
        Assert.Equal(["connections_made", "connections_refused", "bytes_sent", "bytes_received"], net.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, net.GetProperty("connections_made").GetInt64());
        Assert.Equal(2, net.GetProperty("connections_refused").GetInt64());
        Assert.Equal(100, net.GetProperty("bytes_sent").GetInt64());
        Assert.Equal(5_000_000_000, net.GetProperty("bytes_received").GetInt64());
        Assert.Equal(["max-connections", "max-net-bytes"], report.LimitsHit);
        Assert.Equal(usage.Net, RunReport.FromJson(report.ToJson())!.Net);
    }

    [Fact]
    public void Report_StoredBeforeNetExisted_ReadsWithNoNet()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(RunReport.From(new RunResult(RunOutcome.Exited(0), ResourceUsage.Zero, null)).ToJson())!.AsObject();
        Assert.True(json.Remove("net"));
        Assert.Null(RunReport.FromJson(json.ToJsonString())!.Net);
    }
}
