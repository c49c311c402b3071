using Wasmbox.Core.Outcomes;
using Wasmbox.Daemon.Metrics;
using Wasmbox.Supervisor.Events;
using Wasmbox.Supervisor.Table;
using SupervisorCore = Wasmbox.Supervisor.Table.Supervisor;

namespace Wasmbox.Daemon.Tests;

/// <summary>The metrics as a projection of events: what other code publishes is counted, and the per-sandbox cap holds.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class DaemonMetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<PrometheusText> ScrapeAsync(DaemonMetrics metrics)
    {
        using var buffer = new MemoryStream();
        await metrics.WriteAsync(buffer, Ct);
        return PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static RunResult Ran(double cpuMs, ulong? fuel, long memory) =>
        new(RunOutcome.Exited(0), new ResourceUsage(TimeSpan.FromMilliseconds(cpuMs * 2), TimeSpan.FromMilliseconds(cpuMs), fuel, memory, []), null);

    [Fact]
    public async Task PerSandboxSeries_BeyondTheCap_EvictTheLeastRecentlyUpdatedSandbox()
    {
        using var dir = new TempDir("wasmbox-metrics");
        await using var supervisor = await SupervisorCore.OpenAsync(dir.Path, new NoStarter());
        var metrics = new DaemonMetrics(supervisor, maxSandboxSeries: 3);

        supervisor.Events.Publish(SandboxEvent.Ended("a", null, Ran(100, 10, 1000)));
        supervisor.Events.Publish(SandboxEvent.Ended("b", "bee", Ran(200, null, 2000)));
        supervisor.Events.Publish(SandboxEvent.Ended("c", null, Ran(300, 30, 3000)));
        supervisor.Events.Publish(SandboxEvent.Ended("a", null, Ran(50, 5, 500)));   // a is now the most recent
        supervisor.Events.Publish(SandboxEvent.Ended("d", null, Ran(400, 40, 4000))); // evicts bee, the oldest
        var scraped = await ScrapeAsync(metrics);

        Assert.Equal(0.15, scraped.Value("wasmbox_sandbox_cpu_seconds_total", ("sandbox", "a")), 9);
        Assert.Equal(15, scraped.Value("wasmbox_sandbox_fuel_consumed_total", ("sandbox", "a")));
        Assert.Equal(500, scraped.Value("wasmbox_sandbox_peak_memory_bytes", ("sandbox", "a")));
        Assert.Null(scraped.Find("wasmbox_sandbox_cpu_seconds_total", ("sandbox", "bee")));
        Assert.Null(scraped.Find("wasmbox_sandbox_fuel_consumed_total", ("sandbox", "bee")));
        Assert.Null(scraped.Find("wasmbox_sandbox_peak_memory_bytes", ("sandbox", "bee")));
        Assert.Equal(3, scraped.Samples.Count(s => s.Name == "wasmbox_sandbox_cpu_seconds_total"));
        Assert.Equal(1, scraped.Value("wasmbox_sandbox_series_evicted_total"));
        Assert.Equal(5, scraped.Value("wasmbox_exits_total", ("outcome", "exited")));
    }

    [Fact]
    public async Task EventsOfOtherCode_AreCounted_AndThePoolSizeIsRead()
    {
        using var dir = new TempDir("wasmbox-metrics");
        await using var supervisor = await SupervisorCore.OpenAsync(dir.Path, new NoStarter());
        var metrics = new DaemonMetrics(supervisor);

        supervisor.Events.Publish(SandboxEvent.Restarted("a", null, "on-failure: exited 1", TimeSpan.FromMilliseconds(250), 1));
        supervisor.Events.Publish(SandboxEvent.Restarted("a", null, "on-failure: exited 1", TimeSpan.FromMilliseconds(500), 2));
        supervisor.Events.Publish(SandboxEvent.Refused("a", null, "path_open", "outside every grant", path: "/etc/passwd"));
        supervisor.Events.Publish(SandboxEvent.PoolEmpty("jail", "started a worker cold"));
        supervisor.Gauges.SetPoolSize(7);
        var scraped = await ScrapeAsync(metrics);

        Assert.Equal(2, scraped.Value("wasmbox_restarts_total"));
        Assert.Equal(1, scraped.Value("wasmbox_refusals_total", ("call", "path_open")));
        Assert.Equal(1, scraped.Value("wasmbox_pool_empty_total"));
        Assert.Equal(7, scraped.Value("wasmbox_pool_size"));
        Assert.Equal(0, scraped.Value("wasmbox_spawns_total"));
        Assert.Equal(0, scraped.Value("wasmbox_spawn_latency_seconds_count"));
    }

    [Fact]
    public async Task EndedRuns_AddTheirBytes_AndRefusalsPastTheKeptOnesCountAsOther()
    {
        using var dir = new TempDir("wasmbox-metrics");
        await using var supervisor = await SupervisorCore.OpenAsync(dir.Path, new NoStarter());
        var metrics = new DaemonMetrics(supervisor);
        RunResult WithIo(long read, long written, long refusals) => Ran(1, null, 0) with
        {
            Usage = Ran(1, null, 0).Usage with { Io = new GuestIo(read, written, written, null) },
            Refusals = new RefusalAudit([new Refusal("path_open", "outside every grant", "notcapable")], refusals),
        };

        supervisor.Events.Publish(SandboxEvent.Ended("a", null, WithIo(10, 100, 1)) with { Run = 1 });
        supervisor.Events.Publish(SandboxEvent.Ended("a", null, WithIo(5, 50, 300)) with { Run = 2 });
        var scraped = await ScrapeAsync(metrics);

        Assert.Equal(15, scraped.Value("wasmbox_sandbox_read_bytes_total", ("sandbox", "a")));
        Assert.Equal(150, scraped.Value("wasmbox_sandbox_written_bytes_total", ("sandbox", "a")));
        Assert.Equal(299, scraped.Value("wasmbox_refusals_total", ("call", "other")));
    }

    private sealed class NoStarter : ISandboxStarter
    {
        public IStartedSandbox Start(SandboxStartRequest request) => throw new InvalidOperationException("no sandbox starts in these tests");
    }
}
