using System.Diagnostics;
using System.Text.Json;
using Wasmbox.Core.Api;

namespace Wasmbox.Daemon.Tests;

/// <summary>The CLI verbs against the real daemon, who may talk to it, the operator's ceilings, and a crash of the daemon.</summary>
public class DaemonCliAndSafetyTests
{
    private static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the daemon listens on a Unix socket and starts Linux workers");
    }

    [Fact]
    public void CliVerbs_SpawnPsLogsWaitInspectKillRm_WorkEndToEnd()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();

        var spawn = daemon.Cli("spawn", "--isolation", "process", "--name", "answer", "--label", "team=x", Guests.C("exit_code"), "42");
        Assert.True(spawn.Exit == 0, spawn.Stderr);
        var id = spawn.Stdout.Trim();
        Assert.Matches("^[0-9a-f]{16}$", id);

        var wait = daemon.Cli("wait", "answer");
        Assert.Equal(42, wait.Exit);

        var ps = daemon.Cli("ps", "-a");
        Assert.Equal(0, ps.Exit);
        Assert.Contains(id, ps.Stdout);
        Assert.Contains("answer", ps.Stdout);
        Assert.Contains("exited", ps.Stdout);
        Assert.DoesNotContain(id, daemon.Cli("ps").Stdout); // ended: only with -a

        var json = daemon.Cli("ps", "-a", "--json", "--filter", "label=team=x");
        var list = JsonSerializer.Deserialize(json.Stdout, ApiJson.Default.ListSandboxView)!;
        Assert.Equal(id, Assert.Single(list).Id);

        var inspect = daemon.Cli("inspect", id);
        Assert.Equal(0, inspect.Exit);
        using (var doc = JsonDocument.Parse(inspect.Stdout)) Assert.Equal(42, doc.RootElement.GetProperty("exit_status").GetInt32());

        var hello = daemon.Cli("spawn", "--isolation", "process", Guests.C("hello")).Stdout.Trim();
        Assert.Equal(0, daemon.Cli("wait", hello).Exit);
        var logs = daemon.Cli("logs", hello);
        Assert.Equal(0, logs.Exit);
        Assert.Contains("hello", logs.Stdout, StringComparison.OrdinalIgnoreCase);

        var spinner = daemon.Cli("spawn", "--isolation", "process", "--timeout", "60s", Guests.C("spin")).Stdout.Trim();
        Assert.Equal(0, daemon.Cli("kill", spinner).Exit);
        Assert.Equal(137, daemon.Cli("wait", spinner).Exit);

        Assert.Equal(0, daemon.Cli("rm", id, hello, spinner).Exit);
        Assert.Empty(JsonSerializer.Deserialize(daemon.Cli("ps", "-a", "--json").Stdout, ApiJson.Default.ListSandboxView)!);
    }

    [Fact]
    public void CliVerbs_SpawnWithRestart_PsShowsRunsAndLogsTakesRun()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the daemon listens on a Unix socket and starts Linux workers");
        using var daemon = DaemonProcess.Start();

        var spawn = daemon.Cli("spawn", "--isolation", "process", "--restart", "on-failure:2", "--name", "crashy", Guests.C("trap"));
        Assert.True(spawn.Exit == 0, spawn.Stderr);
        Assert.Equal(134, daemon.Cli("wait", "crashy").Exit);

        var ps = daemon.Cli("ps", "-a");
        Assert.Contains("RUN", ps.Stdout);
        var row = ps.Stdout.Split('\n').Single(l => l.Contains("crashy", StringComparison.Ordinal));
        Assert.Contains(" 3 ", row); // the third run was the last
        var logs = daemon.Cli("logs", "--run", "3", "crashy");
        Assert.Equal(0, logs.Exit);
        Assert.Equal("about to trap\n", logs.Stdout);
        var bad = daemon.Cli("spawn", "--restart", "sometimes", Guests.C("hello"));
        Assert.Equal(125, bad.Exit);
        Assert.StartsWith("wasmbox: restart policy 'sometimes'", Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    /// <summary>Issue 13 item 4: a sandbox's refused calls are stored per run and listed by wasmbox audit (and the API).</summary>
    [Fact]
    public void Audit_ListsTheRefusedCallsOfEachRun()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the daemon listens on a Unix socket and starts Linux workers");
        using var tmp = new TempDir();
        var ro = tmp.Dir("ro");
        using var daemon = DaemonProcess.Start("--allow-grant", tmp.Path);

        var spawn = daemon.Cli("spawn", "--isolation", "process", "--ro-dir", ro + "::/ro", "--name", "writer", Guests.C("files"), "write", "/ro/new.txt", "x");
        Assert.True(spawn.Exit == 0, spawn.Stderr);
        Assert.Equal(1, daemon.Cli("wait", "writer").Exit);

        var audit = daemon.Cli("audit", "writer");
        Assert.Equal(0, audit.Exit);
        var line = Assert.Single(audit.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
        Assert.Contains("path_open", line);
        Assert.Contains("perm", line);
        Assert.Contains("'new.txt': write access in a read-only grant", line);
        var json = JsonSerializer.Deserialize(daemon.Cli("audit", "--json", "writer").Stdout, ApiJson.Default.AuditView)!;
        Assert.Equal(1, json.Total);
        Assert.Equal(0, json.Dropped);
        Assert.Empty(Directory.GetFileSystemEntries(ro));
        Assert.Equal(125, daemon.Cli("audit", "--run", "2", "writer").Exit);
    }

    /// <summary>
    /// Issue 13 item 6: the stats of a memory-hungry jailed guest rise while it holds its memory and stay under the
    /// jail's cap; the CLI shows the same sample; a sandbox that ended samples as zeros.
    /// </summary>
    [Fact]
    public async Task Stats_OfAMemoryHungryGuest_RiseAndStayUnderItsLimit()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/bwrap")) Assert.Skip("the jail tier needs Linux and bubblewrap (apt-get install -y bubblewrap)");
        if (!File.Exists("/sys/fs/cgroup/cgroup.controllers") && !Directory.Exists("/sys/fs/cgroup/memory")) Assert.Skip("the jail's memory figures need a memory cgroup on this host");
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("hold"));
        var spawned = await daemon.SpawnAsync(sha,
            """{"isolation":"jail","max-memory":"128MiB","timeout":"120s","fuel":"100000000000","max-output":"1MiB","max-open-files":"16"}""", "48", "60");

        StatsView? sample = null;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < until)
        {
            var (status, body, _) = await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{spawned.Id}/stats");
            Assert.Equal(200, status);
            sample = JsonSerializer.Deserialize(body, ApiJson.Default.StatsView)!;
            if (sample.MemoryBytes > 48L << 20 && sample.Guest is { OutputBytes: > 0 }) break;
        }
        Assert.NotNull(sample);
        Assert.Equal("running", sample.State);
        Assert.True(sample.MemoryBytes > 48L << 20, $"memory stayed at {sample.MemoryBytes} bytes");
        Assert.Equal((128L << 20) + (64L << 20), sample.MemoryLimitBytes);
        Assert.True(sample.MemoryBytes < sample.MemoryLimitBytes);
        Assert.True(sample.Pids >= 1);
        Assert.True(sample.UptimeSeconds > 0);
        // What only the worker knows, each against its limit: the guest has printed "holding 48 MiB\n" and waits.
        var guest = sample.Guest;
        Assert.NotNull(guest);
        Assert.InRange(guest.MemoryBytes, 48L << 20, 128L << 20);
        Assert.Equal(128L << 20, guest.MemoryLimitBytes);
        Assert.True(guest.FuelConsumed > 0, $"fuel consumed {guest.FuelConsumed}");
        Assert.Equal(100_000_000_000UL, guest.FuelLimit);
        Assert.Equal("holding 48 MiB\n".Length, guest.OutputBytes);
        Assert.Equal(1L << 20, guest.MaxOutputBytes);
        Assert.Equal(guest.OutputBytes, guest.BytesWritten);
        Assert.Null(guest.DiskWrittenBytes);
        Assert.Null(guest.MaxDiskWriteBytes);
        Assert.InRange(guest.OpenFds, 3, 16);
        Assert.Equal(16, guest.MaxOpenFiles);
        Assert.Equal(0, guest.Refusals);
        Assert.Null(guest.NetBytesSent);
        // The same bytes reach the metrics while the run still runs.
        using (var metrics = await daemon.Http.GetAsync("metrics", TestContext.Current.CancellationToken))
        {
            var scraped = PrometheusText.Parse(await metrics.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(guest.BytesWritten, scraped.Value("wasmbox_sandbox_written_bytes_total", ("sandbox", spawned.Id)));
            Assert.Equal(0, scraped.Value("wasmbox_sandbox_read_bytes_total", ("sandbox", spawned.Id)));
        }

        var cli = daemon.Cli("stats", "--no-stream", "--json", spawned.Id);
        Assert.Equal(0, cli.Exit);
        var fromCli = Assert.Single(JsonSerializer.Deserialize(cli.Stdout, ApiJson.Default.ListStatsView)!);
        Assert.Equal(spawned.Id, fromCli.Id);
        var table = daemon.Cli("stats", "--no-stream", spawned.Id);
        Assert.Contains("MEM / LIMIT", table.Stdout);
        Assert.Contains("192MiB", table.Stdout);
        Assert.Contains("GUEST MEM", table.Stdout);
        Assert.Contains("/ 128MiB", table.Stdout);
        Assert.Contains("/ 100G", table.Stdout);

        Assert.Equal(0, daemon.Cli("kill", spawned.Id).Exit);
        Assert.Equal("killed", (await daemon.WaitAsync(spawned.Id)).State);
        var ended = JsonSerializer.Deserialize((await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{spawned.Id}/stats")).Body, ApiJson.Default.StatsView)!;
        Assert.Equal(0, ended.MemoryBytes);
        Assert.Equal("killed", ended.State);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("--help")]
    public async Task Daemon_VersionOrHelp_PrintsAndExitsWithoutServing(string flag)
    {
        RequireLinux();
        using var tmp = new TempDir();
        var socket = Path.Combine(tmp.Path, "d.sock");
        // --version takes no other option (System.CommandLine refuses the mix); a daemon started by mistake would then
        // hold the default socket and never exit, which the wait below catches.
        using var daemon = DaemonProcess.StartRaw(flag == "--version" ? [flag] : [flag, "--socket", socket, "--data-dir", Path.Combine(tmp.Path, "data")]);
        var stdout = daemon.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);

        var exited = daemon.WaitForExit(TimeSpan.FromSeconds(20));
        if (!exited) daemon.Kill(entireProcessTree: true);

        Assert.True(exited, $"wasmbox-daemon {flag} kept running (it served instead of printing)");
        Assert.Equal(0, daemon.ExitCode);
        Assert.NotEmpty((await stdout).Trim());
        Assert.False(File.Exists(socket), "a socket was created");
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "data")), "a data dir was created");
    }

    [Fact]
    public void CliVerbs_UnknownIdAndBadPolicy_OneLineAndStatus125()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var missing = daemon.Cli("inspect", "nosuchid");
        Assert.Equal(125, missing.Exit);
        Assert.StartsWith("wasmbox: ", Assert.Single(missing.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        var bad = daemon.Cli("spawn", "--max-memory", "lots", Guests.C("hello"));
        Assert.Equal(125, bad.Exit);
        Assert.Contains("--max-memory", Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void CliVerbs_NoDaemon_SaysHowToStartOne()
    {
        RequireLinux();
        using var tmp = new TempDir();
        var start = new ProcessStartInfo(DaemonProcess.DotnetHost) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wasmbox.dll"));
        foreach (var a in new[] { "ps", "--host", "unix://" + tmp.File("none.sock") }) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(125, p.ExitCode);
        Assert.Contains("wasmbox daemon", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Socket_IsMode0600_AndAnotherUserCannotConnect()
    {
        RequireLinux();
        if (Environment.UserName != "root" && !File.Exists("/usr/bin/setpriv")) Assert.Skip("needs root and setpriv to act as another user");
        using var daemon = DaemonProcess.Start();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(daemon.Socket));
        // Let nobody reach the folder, so only the socket's own mode stands in the way.
        File.SetUnixFileMode(daemon.Dir.Path, (UnixFileMode)0b111_101_101);

        (int Exit, string Stdout) Curl(params string[] asUser)
        {
            var start = new ProcessStartInfo(asUser.Length > 0 ? "/usr/bin/setpriv" : "/usr/bin/curl") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in asUser.Length > 0 ? [.. asUser, "/usr/bin/curl"] : Array.Empty<string>()) start.ArgumentList.Add(a);
            foreach (var a in new[] { "-sS", "--unix-socket", daemon.Socket, "http://wasmbox/v1/info" }) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            var stdout = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout);
        }

        // The control: the daemon's own user reaches it with the same client.
        var owner = Curl();
        Assert.Equal(0, owner.Exit);
        Assert.Contains("\"pid\"", owner.Stdout);
        // Another user: connect(2) is refused (curl: 7, could not connect), and nothing is answered.
        var nobody = Curl("--reuid=65534", "--regid=65534", "--clear-groups");
        Assert.Equal(7, nobody.Exit);
        Assert.Empty(nobody.Stdout);
    }

    [Fact]
    public async Task SecondDaemon_SameDataDirOrSameSocket_IsRefusedAndTheFirstKeepsServing()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        using var other = new TempDir();

        var sameData = DaemonProcess.StartRaw(["--socket", other.File("x.sock"), "--data-dir", daemon.DataDir]);
        Assert.True(sameData.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(125, sameData.ExitCode);
        Assert.Contains("wasmbox: ", sameData.StandardError.ReadToEnd());

        var sameSocket = DaemonProcess.StartRaw(["--socket", daemon.Socket, "--data-dir", other.File("data")]);
        Assert.True(sameSocket.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(125, sameSocket.ExitCode);
        Assert.Contains("another daemon is listening", sameSocket.StandardError.ReadToEnd());

        Assert.Equal(200, (await daemon.SendAsync(HttpMethod.Get, "v1/info")).Status);
    }

    [Fact]
    public async Task Ceilings_GrantsOutsideTheAllowedRoot_Refused403_InsideAllowed()
    {
        RequireLinux();
        using var roots = new TempDir();
        var allowed = roots.Dir("allowed");
        var inside = Directory.CreateDirectory(Path.Combine(allowed, "work")).FullName;
        var outside = roots.Dir("outside");
        File.CreateSymbolicLink(Path.Combine(allowed, "escape"), outside);
        using var daemon = DaemonProcess.Start("--allow-grant", allowed, "--allow-isolation", "process", "--max-memory", "64MiB");
        var sha = await daemon.UploadAsync(Guests.C("hello"));

        async Task<(int Status, string Body)> Spawn(string policy)
        {
            var (status, body, _) = await daemon.SendAsync(HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","policy":{{{policy}}}}""");
            return (status, body);
        }
        foreach (var grant in new[] { outside, Path.Combine(allowed, "escape"), Path.Combine(inside, "..", "..", "outside") })
        {
            var (status, body) = await Spawn($$$"""{"isolation":"process","max-memory":"16MiB","dir":["{{{grant}}}::/d"]}""");
            Assert.True(status == 403, $"{grant}: {status} {body}");
            Assert.Equal(ProblemTypes.For("ceiling-exceeded"), DaemonProcess.Problem(body).Type);
        }
        var (memStatus, memBody) = await Spawn("""{"isolation":"process","max-memory":"1GiB"}""");
        Assert.Equal(403, memStatus);
        Assert.Contains("64MiB", DaemonProcess.Problem(memBody).Detail);
        var (jailStatus, _) = await Spawn("""{"isolation":"jail","max-memory":"16MiB"}""");
        Assert.Equal(403, jailStatus); // only process is allowed here

        var (okStatus, okBody) = await Spawn($$$"""{"isolation":"process","max-memory":"16MiB","dir":["{{{inside}}}::/d"]}""");
        Assert.True(okStatus == 201, okBody);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task Crash_KillNineWithSpawnsInFlight_RestartListsEveryAcknowledgedSandboxAndLeavesNoWorker()
    {
        RequireLinux();
        var dir = new TempDir("wasmbox-daemon");
        var first = DaemonProcess.Start(dir);
        var sha = await first.UploadAsync(Guests.C("spin"));
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        // 50 spawns, 8 at a time; the daemon is killed while the last ones are still in flight.
        var spawns = Task.Run(async () =>
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, 50), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken }, async (_, _) =>
            {
                try
                {
                    var (status, body, _) = await first.SendAsync(HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process","timeout":"120s"}}""");
                    if (status == 201) acknowledged.Add(JsonSerializer.Deserialize(body, ApiJson.Default.SandboxView)!.Id);
                }
                catch (HttpRequestException) { } // the daemon died mid-request: not acknowledged
                catch (TaskCanceledException) { }
            });
        }, TestContext.Current.CancellationToken);
        Poll.Until(() => acknowledged.Count, n => n >= 30, TimeSpan.FromSeconds(60));
        var workers = ProcessTree.Descendants(first.Process.Id, "wasmbox-worker");
        first.KillHard();
        await spawns;
        Assert.True(acknowledged.Count >= 30, $"only {acknowledged.Count} spawns were acknowledged");
        Assert.Empty(ProcessTree.WaitGone(workers, TimeSpan.FromSeconds(10)));
        first.Http.Dispose();

        using var second = DaemonProcess.Start(dir);
        var list = JsonSerializer.Deserialize((await second.SendAsync(HttpMethod.Get, "v1/sandboxes")).Body, ApiJson.Default.ListSandboxView)!;
        var ids = list.Select(s => s.Id).ToHashSet();
        Assert.All(acknowledged, id => Assert.Contains(id, ids));
        Assert.All(list, s => Assert.Contains(s.State, new[] { "lost", "failed", "exited", "killed" }));
        Assert.Contains(list, s => s.State == "lost");
        var info = JsonSerializer.Deserialize((await second.SendAsync(HttpMethod.Get, "v1/info")).Body, ApiJson.Default.DaemonInfo)!;
        Assert.Equal("ok", info.Integrity);
        Assert.True(info.LostAtStart > 0);
        Assert.Null(info.Pool); // no --pool
    }

    /// <summary>
    /// Issue 13 item 7: SIGTERM lets a sandbox that ends within --shutdown-grace end by itself, kills the rest, records
    /// every final state; the next daemon finds none lost and resumes the one with a restart policy.
    /// </summary>
    [Fact]
    public async Task Sigterm_RecordsEveryEnd_NothingLost_RestartPolicyResumes()
    {
        RequireLinux();
        var dir = new TempDir("wasmbox-daemon");
        var first = DaemonProcess.Start(dir, "--shutdown-grace", "5s");
        var spin = await first.UploadAsync(Guests.C("spin"));
        var hold = await first.UploadAsync(Guests.C("hold"));
        var plain = await first.SpawnAsync(spin, """{"isolation":"process","timeout":"120s"}""");
        var (_, body, _) = await first.SendAsync(HttpMethod.Post, "v1/sandboxes",
            $$"""{"module_sha256":"{{spin}}","policy":{"isolation":"process","timeout":"120s"},"restart":"always"}""");
        var service = JsonSerializer.Deserialize(body, ApiJson.Default.SandboxView)!;
        // Ends by itself a second after it starts: within the grace.
        var quick = await first.SpawnAsync(hold, """{"isolation":"process"}""", "0", "1");
        Poll.Until(() => first.SendAsync(HttpMethod.Get, $"v1/sandboxes/{quick.Id}/logs").GetAwaiter().GetResult().Body, b => b.Contains("holding"), TimeSpan.FromSeconds(30));

        Assert.Equal(0, first.Terminate(TimeSpan.FromSeconds(30)));
        first.Http.Dispose();

        using var second = DaemonProcess.Start(dir);
        var info = JsonSerializer.Deserialize((await second.SendAsync(HttpMethod.Get, "v1/info")).Body, ApiJson.Default.DaemonInfo)!;
        Assert.Equal(0, info.LostAtStart);
        var list = JsonSerializer.Deserialize((await second.SendAsync(HttpMethod.Get, "v1/sandboxes")).Body, ApiJson.Default.ListSandboxView)!;
        Assert.DoesNotContain(list, s => s.State == "lost");
        Assert.Equal("exited", list.Single(s => s.Id == quick.Id).State);
        var killed = list.Single(s => s.Id == plain.Id);
        Assert.Equal("killed", killed.State);
        Assert.Equal("stopped because the daemon shut down", killed.Message);
        var resumed = list.Single(s => s.Id == service.Id);
        Assert.Equal("running", resumed.State);
        Assert.Equal(2, resumed.Run);
    }

    [Fact]
    public async Task Tcp_NeedsTheBearerToken_AndListensOnLoopbackOnly()
    {
        RequireLinux();
        using var tmp = new TempDir();
        var token = tmp.Write("token", "0123456789abcdef0123456789abcdef\n");
        var port = FreePort();
        using var daemon = DaemonProcess.Start("--tcp", $"127.0.0.1:{port}", "--token-file", token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        using var anonymous = await http.GetAsync("v1/info", TestContext.Current.CancellationToken);
        Assert.Equal(401, (int)anonymous.StatusCode);
        Assert.Equal(ProblemTypes.For("unauthorized"), DaemonProcess.Problem(await anonymous.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Type);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "v1/info");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "0123456789abcdef0123456789abcdeX");
        Assert.Equal(401, (int)(await http.SendAsync(wrong, TestContext.Current.CancellationToken)).StatusCode);

        using var right = new HttpRequestMessage(HttpMethod.Get, "v1/info");
        right.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "0123456789abcdef0123456789abcdef");
        Assert.Equal(200, (int)(await http.SendAsync(right, TestContext.Current.CancellationToken)).StatusCode);
        // The socket needs no token: its mode is the check.
        Assert.Equal(200, (await daemon.SendAsync(HttpMethod.Get, "v1/info")).Status);

        var outside = DaemonProcess.StartRaw(["--socket", tmp.File("x.sock"), "--data-dir", tmp.File("data2"), "--tcp", $"0.0.0.0:{FreePort()}", "--token-file", token]);
        Assert.True(outside.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(125, outside.ExitCode);
        Assert.Contains("loopback only", outside.StandardError.ReadToEnd());
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

}
