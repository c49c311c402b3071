using System.Text;
using System.Text.Json;
using Wasmbox.Core.Api;
using Wasmbox.Core.Outcomes;

namespace Wasmbox.Daemon.Tests;

/// <summary><c>GET /v1/events</c> over real server-sent events, <c>wasmbox events</c>, and <c>GET /metrics</c> read as Prometheus reads it.</summary>
public class EventsAndMetricsTests
{
    private const string ProcessTier = """{"isolation":"process"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the daemon listens on a Unix socket and starts Linux workers");
    }

    [Fact]
    public async Task Events_OneSandboxLife_ArriveInOrderOverServerSentEvents()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("spin"));
        await using var stream = await SseStream.OpenAsync(daemon, "v1/events?sandbox=spinner");
        Assert.Equal("text/event-stream", stream.ContentType);

        var (status, body, _) = await daemon.SendAsync(HttpMethod.Post, "v1/sandboxes",
            $$$"""{"module_sha256":"{{{sha}}}","name":"spinner","policy":{"isolation":"process","timeout":"300ms"}}""");
        Assert.Equal(201, status);
        var id = JsonSerializer.Deserialize(body, ApiJson.Default.SandboxView)!.Id;
        var events = await stream.ReadUntilAsync(e => e.Event is "exited" or "killed");

        Assert.Equal(["created", "started", "limit_hit", "exited"], events.Select(e => e.Event));
        var views = events.Select(e => JsonSerializer.Deserialize(e.Data, EventJson.Default.EventView)!).ToList();
        Assert.Equal(events.Select(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)), views.Select(v => v.Seq));
        Assert.Equal(views.Select(v => v.Seq).Order(), views.Select(v => v.Seq));
        Assert.All(views, v => Assert.Equal(id, v.SandboxId));
        Assert.All(views, v => Assert.Equal("spinner", v.Name));
        Assert.Equal("timeout", views[2].Limit);
        Assert.Equal("timeout", views[3].State);
        Assert.Equal(124, views[3].ExitStatus);
        Assert.Contains("\"sandbox_id\":", events[0].Data); // snake_case on the wire
        Assert.DoesNotContain("\"backoff_ms\"", events[3].Data); // fields of other kinds are left out
    }

    [Fact]
    public async Task Events_Resume_LastEventIdReplaysWhatFollowsAndFollowFalseEnds()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("hello"));
        var id = (await daemon.SpawnAsync(sha, ProcessTier)).Id;
        await daemon.WaitAsync(id);

        await using var all = await SseStream.OpenAsync(daemon, "v1/events?since=0&follow=false");
        var everything = await all.ReadToEndAsync();
        await using var resumed = await SseStream.OpenAsync(daemon, "v1/events?follow=false", lastEventId: 1);
        var after = await resumed.ReadToEndAsync();
        await using var kinds = await SseStream.OpenAsync(daemon, "v1/events?since=0&follow=false&kind=exited,created");
        var filtered = await kinds.ReadToEndAsync();

        Assert.Equal(["created", "started", "exited"], everything.Select(e => e.Event));
        Assert.Equal(["2", "3"], after.Select(e => e.Id));
        Assert.Equal(["created", "exited"], filtered.Select(e => e.Event));
    }

    [Fact]
    public async Task Events_BadQuery_IsAProblemWithItsCode()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();

        var (status, body, _) = await daemon.SendAsync(HttpMethod.Get, "v1/events?kind=exploded");
        Assert.Equal(400, status);
        Assert.Contains("limit_hit", DaemonProcess.Problem(body).Detail);
        Assert.Equal(400, (await daemon.SendAsync(HttpMethod.Get, "v1/events?since=-4")).Status);
    }

    [Fact]
    public async Task Events_IdleStream_GetsHeartbeatsAndEndsWithShutdownWhenTheDaemonStops()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        await using var stream = await SseStream.OpenAsync(daemon, "v1/events?heartbeat=0.2");

        await stream.ReadUntilCommentAsync("heartbeat");
        using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", daemon.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await term.WaitForExitAsync(Ct);
        var rest = await stream.ReadToEndAsync();

        Assert.Equal("shutdown", rest[^1].Event);
        Assert.True(daemon.Process.WaitForExit(TimeSpan.FromSeconds(15)), "the daemon did not stop while a client followed its events");
    }

    [Fact]
    public async Task Cli_Events_PrintsTheLifeAsLinesAndAsJson()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("exit_code"));
        var id = (await daemon.SpawnAsync(sha, ProcessTier, "42")).Id;
        await daemon.WaitAsync(id);

        var (exit, stdout, stderr) = daemon.Cli("events", "--since", "0", "--no-follow", "--filter", $"sandbox={id}");
        var (jsonExit, json, _) = daemon.Cli("events", "--since", "0", "--no-follow", "--json", "--filter", "kind=exited");
        var (badExit, _, badErr) = daemon.Cli("events", "--filter", "colour=blue");

        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches($@"^\d{{4}}-\d\d-\d\dT[\d:.]+Z 1 created +{id} -$", lines[0]);
        Assert.Contains(" started ", lines[1]);
        Assert.Contains(" exited ", lines[2]);
        Assert.Contains("state=exited exit=42", lines[2]);
        Assert.Equal(0, jsonExit);
        var view = JsonSerializer.Deserialize(json.Trim(), EventJson.Default.EventView)!;
        Assert.Equal(("exited", id, 42), (view.Kind, view.SandboxId, view.ExitStatus));
        Assert.Equal(125, badExit);
        Assert.StartsWith("wasmbox: --filter 'colour=blue'", badErr);
    }

    /// <summary>
    /// A refused call is a <c>refused</c> event while the sandbox still runs (told by its worker as it happens), in the
    /// jail too, and the run's end does not publish it a second time.
    /// </summary>
    [Theory]
    [InlineData("process")]
    [InlineData("jail")]
    public async Task Refused_IsPublishedWhileTheSandboxRuns_AndOnceOnly(string tier)
    {
        RequireLinux();
        if (tier == "jail" && !File.Exists("/usr/bin/bwrap")) Assert.Skip("the jail tier needs bubblewrap (apt-get install -y bubblewrap)");
        using var tmp = new TempDir();
        var ro = tmp.Dir("ro");
        using var daemon = DaemonProcess.Start("--allow-grant", tmp.Path);
        var spawn = daemon.Cli("spawn", "--isolation", tier, "--ro-dir", ro + "::/ro", "--name", "refused-" + tier, Guests.C("refuse_wait"), "/ro/new.txt", "60");
        Assert.True(spawn.Exit == 0, spawn.Stderr);
        var id = spawn.Stdout.Trim();

        List<EventView> Refusals() => daemon.Cli("events", "--since", "0", "--no-follow", "--json", "--filter", $"sandbox={id}").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize(l, EventJson.Default.EventView)!)
            .Where(e => e.Kind == "refused").ToList();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var seen = Refusals();
        while (seen.Count == 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(100, Ct);
            seen = Refusals();
        }
        var running = JsonSerializer.Deserialize((await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{id}")).Body, ApiJson.Default.SandboxView)!;

        var refused = Assert.Single(seen);
        Assert.Equal("running", running.State);
        Assert.Equal(("path_open", "perm"), (refused.Call, refused.Errno));
        Assert.Contains("new.txt", refused.Reason);
        Assert.False(File.Exists(Path.Combine(ro, "new.txt")));
        Assert.Equal(0, daemon.Cli("kill", id).Exit);
        await daemon.WaitAsync(id);
        Assert.Single(Refusals());
        Assert.Equal(1, (await daemon.WaitAsync(id)).Report!.Refusals);
    }

    [Fact]
    public async Task Metrics_ParseAsPrometheusTextAndCountWhatTheTestDid()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var hello = await daemon.UploadAsync(Guests.C("hello"));
        var spin = await daemon.UploadAsync(Guests.C("spin"));
        var exitCode = await daemon.UploadAsync(Guests.C("exit_code"));
        var ids = new List<string>();
        for (var i = 0; i < 2; i++) ids.Add((await daemon.SpawnAsync(hello, ProcessTier)).Id);
        ids.Add((await daemon.SpawnAsync(exitCode, ProcessTier, "3")).Id);
        var (status, body, _) = await daemon.SendAsync(HttpMethod.Post, "v1/sandboxes",
            $$$"""{"module_sha256":"{{{spin}}}","name":"spinner","policy":{"isolation":"process","timeout":"300ms"}}""");
        Assert.Equal(201, status);
        ids.Add(JsonSerializer.Deserialize(body, ApiJson.Default.SandboxView)!.Id);
        foreach (var id in ids) await daemon.WaitAsync(id);

        using var response = await daemon.Http.GetAsync("metrics", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var metrics = PrometheusText.Parse(text);

        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(response.Content.Headers.ContentType.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        Assert.Equal(4, metrics.Value("wasmbox_spawns_total"));
        Assert.Equal(3, metrics.Value("wasmbox_exits_total", ("outcome", "exited")));
        Assert.Equal(1, metrics.Value("wasmbox_exits_total", ("outcome", "timeout")));
        Assert.Equal(0, metrics.Value("wasmbox_exits_total", ("outcome", "trapped")));
        Assert.Equal(1, metrics.Value("wasmbox_limit_hits_total", ("limit", "timeout")));
        Assert.Equal(0, metrics.Value("wasmbox_limit_hits_total", ("limit", "fuel")));
        Assert.Equal(3, metrics.Value("wasmbox_sandboxes", ("state", "exited")));
        Assert.Equal(1, metrics.Value("wasmbox_sandboxes", ("state", "timeout")));
        Assert.Equal(0, metrics.Value("wasmbox_sandboxes", ("state", "running")));
        Assert.Equal("histogram", metrics.Types["wasmbox_spawn_latency_seconds"]);
        Assert.Equal(4, metrics.Value("wasmbox_spawn_latency_seconds_count"));
        Assert.True(metrics.Value("wasmbox_spawn_latency_seconds_sum") > 0);
        Assert.Equal(0, metrics.Value("wasmbox_restarts_total"));
        Assert.Equal(0, metrics.Value("wasmbox_pool_size"));
        var report = (await daemon.WaitAsync(ids[3])).Report!;
        Assert.Equal(report.CpuMs / 1000, metrics.Value("wasmbox_sandbox_cpu_seconds_total", ("sandbox", "spinner")), 6);
        foreach (var id in ids.Take(3)) Assert.NotNull(metrics.Find("wasmbox_sandbox_peak_memory_bytes", ("sandbox", id)));
        // hello writes "hello from wasmbox\n" and reads nothing; its report says the same.
        Assert.Equal("hello from wasmbox\n".Length, metrics.Value("wasmbox_sandbox_written_bytes_total", ("sandbox", ids[0])));
        Assert.Equal(0, metrics.Value("wasmbox_sandbox_read_bytes_total", ("sandbox", ids[0])));
        var helloIo = (await daemon.WaitAsync(ids[0])).Report!.Io!;
        Assert.Equal(new GuestIo(0, 19, 19, null), helloIo);
        Assert.All(metrics.Types.Keys, name => Assert.True(metrics.Help.ContainsKey(name), $"{name} has no HELP"));
    }

    [Fact]
    public async Task Metrics_OnTcp_NeedTheTokenLikeEveryRoute()
    {
        RequireLinux();
        using var tmp = new TempDir();
        var token = tmp.Write("token", "0123456789abcdef0123456789abcdef\n");
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var daemon = DaemonProcess.Start("--tcp", $"127.0.0.1:{port}", "--token-file", token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        using var anonymous = await http.GetAsync("metrics", Ct);
        using var authorized = new HttpRequestMessage(HttpMethod.Get, "metrics");
        authorized.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "0123456789abcdef0123456789abcdef");
        using var scraped = await http.SendAsync(authorized, Ct);

        Assert.Equal(401, (int)anonymous.StatusCode);
        Assert.Equal(200, (int)scraped.StatusCode);
        Assert.Equal(0, PrometheusText.Parse(await scraped.Content.ReadAsStringAsync(Ct)).Value("wasmbox_spawns_total"));
        Assert.Equal(200, (await daemon.SendAsync(HttpMethod.Get, "metrics")).Status); // the socket needs none
    }

    [Fact]
    public void PrometheusText_RejectsWhatAScraperWouldRefuse()
    {
        string[] bad =
        [
            "# TYPE a_total counter\na_total 1", // no final newline
            "# TYPE a_total counter\na_total 1\n# TYPE a_total counter\n",
            "# TYPE a counter\na 1\n", // counter without _total
            "a{x=\"1} 2\n",
            "a{x=\"\\t\"} 2\n",
            "a{x=\"1\"} 2\na{x=\"1\"} 3\n",
            "a 1\nb 1\na{y=\"2\"} 1\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
            "a Infinity\n",
            "2a 1\n",
        ];
        foreach (var text in bad) Assert.Throws<FormatException>(() => PrometheusText.Parse(text));
        var good = PrometheusText.Parse("# HELP a_total A \\\\ b\\nc\n# TYPE a_total counter\na_total{x=\"q\\\"\\n\\\\\"} 1 1700000000000\n");
        Assert.Equal("q\"\n\\", good.Samples.Single().Labels["x"]);
        Assert.Equal("A \\ b\nc", good.Help["a_total"]);
    }

    /// <summary>A raw SSE client over the daemon's socket, with a deadline on every read.</summary>
    private sealed class SseStream : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;

        private SseStream(HttpResponseMessage response, StreamReader reader)
        {
            _response = response;
            _reader = reader;
        }

        public string? ContentType => _response.Content.Headers.ContentType?.MediaType;

        public static async Task<SseStream> OpenAsync(DaemonProcess daemon, string path, long? lastEventId = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (lastEventId is { } id) request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var response = await daemon.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            Assert.Equal(200, (int)response.StatusCode);
            return new SseStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(Ct), Encoding.UTF8));
        }

        public sealed record Message(string? Id, string Event, string Data);

        private string? _lastComment;

        /// <summary>The next event, or null at the end of the stream; comments are remembered in <c>_lastComment</c>.</summary>
        private async Task<Message?> NextAsync()
        {
            string? id = null, type = null;
            var data = new List<string>();
            while (true)
            {
                var line = await _reader.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
                if (line is null) return null;
                if (line.Length == 0)
                {
                    if (type is null && data.Count == 0) continue;
                    return new Message(id, type ?? "message", string.Join('\n', data));
                }
                if (line.StartsWith(':')) { _lastComment = line[1..].Trim(); if (_lastComment == _waitingFor) return new Message(null, ":", _lastComment); continue; }
                var colon = line.IndexOf(':');
                var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart(' '));
                if (field == "id") id = value;
                else if (field == "event") type = value;
                else if (field == "data") data.Add(value);
            }
        }

        private string? _waitingFor;

        public async Task<List<Message>> ReadUntilAsync(Func<Message, bool> last)
        {
            var list = new List<Message>();
            while (await NextAsync() is { } m)
            {
                if (m.Event == ":") continue;
                list.Add(m);
                if (last(m)) return list;
            }
            throw new InvalidOperationException("the stream ended first: " + string.Join(", ", list.Select(m => m.Event)));
        }

        public async Task<List<Message>> ReadToEndAsync()
        {
            var list = new List<Message>();
            while (await NextAsync() is { } m)
                if (m.Event != ":") list.Add(m);
            return list;
        }

        public async Task ReadUntilCommentAsync(string comment)
        {
            _waitingFor = comment;
            while (await NextAsync() is { } m)
                if (m.Event == ":" && m.Data == comment) { _waitingFor = null; return; }
            throw new InvalidOperationException($"the stream ended before a '{comment}' comment");
        }

        public async ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _response.Dispose();
            await Task.CompletedTask;
        }
    }
}
