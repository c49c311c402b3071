namespace Wasmbox.Daemon.Tests;

/// <summary>The daemon's warm pool (<c>--pool N</c>): a grant-less jailed sandbox takes a pre-started worker and its output arrives.</summary>
public class DaemonPoolTests
{
    [Fact]
    public async Task Spawn_WithPool_RunsInThePooledWorkerAndItsLogsArrive()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the daemon listens on a Unix socket and starts Linux workers");
        if (!File.Exists("/usr/bin/bwrap")) Assert.Skip("the pool holds jailed workers, and bubblewrap is not installed (apt-get install -y bubblewrap)");
        using var daemon = DaemonProcess.Start("--pool", "1");
        // A jailed worker is a few processes (bubblewrap, its init, the worker); wait until the pooled one's are all up.
        IReadOnlyList<int> idle = [];
        var previous = -1;
        for (var i = 0; i < 150 && (idle.Count == 0 || idle.Count != previous); i++)
        {
            previous = idle.Count;
            await Task.Delay(200, TestContext.Current.CancellationToken);
            idle = ProcessTree.Descendants(daemon.Process.Id, "wasmbox-worker");
        }
        Assert.True(idle.Count > 0, $"no pooled worker before any spawn: {daemon.Output}");
        var sha = await daemon.UploadAsync(Guests.C("hello"));

        var spawned = await daemon.SpawnAsync(sha, """{"isolation":"jail","max-memory":"32MiB","timeout":"20s"}""");
        var done = await daemon.WaitAsync(spawned.Id);

        Assert.Equal("exited", done.State);
        Assert.Equal(0, done.ExitStatus);
        var (status, logs, _) = await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{spawned.Id}/logs");
        Assert.Equal(200, status);
        Assert.Contains("hello", logs, StringComparison.OrdinalIgnoreCase);
        // The pooled worker ran it (a worker serves one sandbox, then exits), and a new one took its place.
        var after = await WorkersAsync(daemon, w => w.Count > 0 && !w.Intersect(idle).Any());
        Assert.Empty(after.Intersect(idle));
        Assert.NotEmpty(after);
        // /v1/info counts it.
        var (infoStatus, info, _) = await daemon.SendAsync(HttpMethod.Get, "v1/info");
        Assert.Equal(200, infoStatus);
        using var json = System.Text.Json.JsonDocument.Parse(info);
        var pool = json.RootElement.GetProperty("pool");
        Assert.Equal(1, pool.GetProperty("size").GetInt32());
        Assert.Equal(1, pool.GetProperty("taken").GetInt64());
        Assert.Equal(0, pool.GetProperty("missed").GetInt64());
    }

    /// <summary>
    /// Issue 13 item 3/5: spawns that fit the pool but find it empty fall back to their own worker, and each is a
    /// pool_empty event; /metrics shows the pool's size.
    /// </summary>
    [Fact]
    public async Task Spawn_PoolEmpty_FallsBackAndIsAnEvent()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the daemon listens on a Unix socket and starts Linux workers");
        if (!File.Exists("/usr/bin/bwrap")) Assert.Skip("the pool holds jailed workers, and bubblewrap is not installed (apt-get install -y bubblewrap)");
        using var daemon = DaemonProcess.Start("--pool", "1");
        var sha = await daemon.UploadAsync(Guests.C("hello"));

        // Four at once: one pooled worker at most, so at least three find the pool empty and start their own.
        var spawns = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => daemon.SpawnAsync(sha, """{"isolation":"jail","timeout":"20s"}""")));
        foreach (var s in spawns) Assert.Equal("exited", (await daemon.WaitAsync(s.Id)).State);

        var (_, events, _) = await daemon.SendAsync(HttpMethod.Get, "v1/events?follow=false&since=0&kind=pool_empty");
        var empties = events.Split('\n').Count(l => l == "event: pool_empty");
        Assert.InRange(empties, 3, 4);
        Assert.Contains("\"pool\":\"default\"", events);
        var (_, metrics, _) = await daemon.SendAsync(HttpMethod.Get, "metrics");
        Assert.Contains("wasmbox_pool_size", metrics);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stop_WithPool_LeavesNoPooledWorkerAndNoFolder(bool sigkill)
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the daemon listens on a Unix socket and starts Linux workers");
        if (!File.Exists("/usr/bin/bwrap")) Assert.Skip("the pool holds jailed workers, and bubblewrap is not installed (apt-get install -y bubblewrap)");
        using var daemon = DaemonProcess.Start("--pool", "2");
        var idle = await WorkersAsync(daemon, w => w.Count >= 2);
        await Task.Delay(1000, TestContext.Current.CancellationToken); // both starts through bubblewrap, into the worker
        idle = ProcessTree.Descendants(daemon.Process.Id, "wasmbox-worker");
        Assert.NotEmpty(idle);

        if (sigkill)
        {
            daemon.KillHard(); // the daemon's cleanup never runs: the workers die with it (--die-with-parent)
        }
        else
        {
            using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", daemon.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await term.WaitForExitAsync(TestContext.Current.CancellationToken);
            await daemon.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        Assert.Empty(ProcessTree.WaitGone(idle, TimeSpan.FromSeconds(5)));
        if (!sigkill)
            Assert.Empty(Directory.Exists(Path.Combine(daemon.DataDir, "pool")) ? Directory.GetDirectories(Path.Combine(daemon.DataDir, "pool")) : []);
    }

    /// <summary>The daemon's worker processes once <paramref name="done"/> holds for them, or after 30 s.</summary>
    private static async Task<IReadOnlyList<int>> WorkersAsync(DaemonProcess daemon, Func<IReadOnlyList<int>, bool> done)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var workers = ProcessTree.Descendants(daemon.Process.Id, "wasmbox-worker");
            if (done(workers) || DateTime.UtcNow > until) return workers;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
