using System.Diagnostics;
using System.Text.Json;
using Wasmbox.Core.Api;

namespace Wasmbox.Daemon.Tests;

/// <summary>The real daemon driven through its HTTP API: every state, the exit statuses, logs, and every bad input with its code.</summary>
public class DaemonApiTests
{
    private const string ProcessTier = """{"isolation":"process"}""";

    private static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the daemon listens on a Unix socket and starts Linux workers");
    }

    [Fact]
    public async Task Spawn_Hello_RunsToExitedWithItsLogsAndReport()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("hello"));

        var spawned = await daemon.SpawnAsync(sha, ProcessTier);
        Assert.Contains(spawned.State, new[] { "created", "running", "exited" });
        var done = await daemon.WaitAsync(spawned.Id);

        Assert.Equal("exited", done.State);
        Assert.Equal(0, done.ExitStatus);
        Assert.Equal("exited", done.Report!.Outcome);
        Assert.Equal(sha, done.ModuleSha256);
        Assert.NotNull(done.FinishedAt);
        var (status, logs, _) = await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{spawned.Id}/logs");
        Assert.Equal(200, status);
        Assert.Contains("hello", logs, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("exit_code", new[] { "42" }, "{\"isolation\":\"process\"}", "exited", 42)]
    [InlineData("spin", new string[0], "{\"isolation\":\"process\",\"timeout\":\"300ms\"}", "timeout", 124)]
    [InlineData("trap", new string[0], "{\"isolation\":\"process\"}", "trapped", 134)]
    public async Task Wait_ReturnsTheSameStatusAsRun(string guest, string[] args, string policy, string state, int exit)
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C(guest));
        var spawned = await daemon.SpawnAsync(sha, policy, args);

        var done = await daemon.WaitAsync(spawned.Id);

        Assert.Equal(state, done.State);
        Assert.Equal(exit, done.ExitStatus);
    }

    /// <summary>Issue 13 item 1 through the real daemon: a trapping guest under on-failure:1 runs twice, each run in a
    /// worker of its own, and both runs' reports and output stay addressable.</summary>
    [Fact]
    public async Task Spawn_RestartOnFailure_RunsAgainAndKeepsEveryRun()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("trap"));

        var (status, body, _) = await daemon.SendAsync(HttpMethod.Post, "v1/sandboxes",
            $$"""{"module_sha256":"{{sha}}","policy":{"isolation":"process"},"restart":"on-failure:1"}""");
        Assert.Equal(201, status);
        var spawned = JsonSerializer.Deserialize(body, ApiJson.Default.SandboxView)!;
        Assert.Equal("on-failure:1", spawned.Restart);
        var done = await daemon.WaitAsync(spawned.Id);

        Assert.Equal("trapped", done.State);
        Assert.Equal(2, done.Run);
        var (_, one, _) = await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{spawned.Id}");
        var record = JsonSerializer.Deserialize(one, ApiJson.Default.SandboxView)!;
        Assert.Equal(["1 trapped", "2 trapped"], record.Runs!.Select(r => $"{r.Run} {r.State}"));
        var (_, second, _) = await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{spawned.Id}/logs?run=2");
        Assert.Equal("about to trap\n", second);
        var (_, all, _) = await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{spawned.Id}/logs");
        Assert.Equal("about to trap\nabout to trap\n", all);
        var (badStatus, problem, _) = await daemon.SendAsync(HttpMethod.Post, "v1/sandboxes",
            $$"""{"module_sha256":"{{sha}}","policy":{"isolation":"process"},"restart":"sometimes"}""");
        Assert.Equal(400, badStatus);
        Assert.Contains("write no, on-failure, on-failure:N", problem);
    }

    [Fact]
    public async Task Kill_SpinningGuest_EndsKilled137AndNoWorkerIsLeft()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("spin"));
        var spawned = await daemon.SpawnAsync(sha, """{"isolation":"jail","timeout":"60s"}""");
        var workers = Poll.Until(() => ProcessTree.Descendants(daemon.Process.Id, "wasmbox-worker"), w => w.Count > 0, TimeSpan.FromSeconds(20));
        Assert.NotEmpty(workers);

        var (status, _, _) = await daemon.SendAsync(HttpMethod.Post, $"v1/sandboxes/{spawned.Id}/kill");
        Assert.Equal(202, status);
        var done = await daemon.WaitAsync(spawned.Id);

        Assert.Equal("killed", done.State);
        Assert.Equal(137, done.ExitStatus);
        Assert.Empty(ProcessTree.WaitGone(workers, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Logs_FollowAChattyGuest_StreamsUntilItExits()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("output_flood"));
        var spawned = await daemon.SpawnAsync(sha, ProcessTier, "2000", "10");

        using var response = await daemon.Http.GetAsync($"v1/sandboxes/{spawned.Id}/logs?follow=true", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(20_000, body.Length);
        var done = await daemon.WaitAsync(spawned.Id);
        Assert.Equal("exited", done.State);
    }

    [Fact]
    public async Task List_FiltersByStateLabelAndName()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("hello"));
        var (s1, b1, _) = await daemon.SendAsync(HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process"},"name":"alpha","labels":{"team":"a"}}""");
        Assert.Equal(201, s1);
        var alpha = JsonSerializer.Deserialize(b1, ApiJson.Default.SandboxView)!;
        await daemon.WaitAsync(alpha.Id);
        var beta = await daemon.SpawnAsync(sha, ProcessTier);
        await daemon.WaitAsync(beta.Id);

        async Task<List<SandboxView>> List(string q) =>
            JsonSerializer.Deserialize((await daemon.SendAsync(HttpMethod.Get, "v1/sandboxes" + q)).Body, ApiJson.Default.ListSandboxView)!;
        Assert.Equal(2, (await List("")).Count);
        Assert.Equal(alpha.Id, Assert.Single(await List("?name=alpha")).Id);
        Assert.Equal(alpha.Id, Assert.Single(await List("?label=team=a")).Id);
        Assert.Equal(2, (await List("?state=exited")).Count);
        Assert.Empty(await List("?state=running"));
        // By name as well as id.
        Assert.Equal(alpha.Id, JsonSerializer.Deserialize((await daemon.SendAsync(HttpMethod.Get, "v1/sandboxes/alpha")).Body, ApiJson.Default.SandboxView)!.Id);
    }

    [Fact]
    public async Task BadInputs_GetProblemDetailsAndChangeNothing()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start("--max-memory", "64MiB");
        var sha = await daemon.UploadAsync(Guests.C("hello"));
        async Task Expect(int status, string code, HttpMethod method, string path, string? json = null, byte[]? bytes = null)
        {
            var (got, body, response) = await daemon.SendAsync(method, path, json, bytes);
            Assert.True(got == status, $"{method} {path}: {got} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = DaemonProcess.Problem(body);
            Assert.Equal(ProblemTypes.For(code), problem.Type);
            Assert.Equal(status, problem.Status);
            Assert.DoesNotContain('\n', problem.Detail);
        }

        await Expect(404, "sandbox-not-found", HttpMethod.Get, "v1/sandboxes/nope");
        await Expect(404, "sandbox-not-found", HttpMethod.Post, "v1/sandboxes/nope/kill");
        await Expect(400, "bad-request", HttpMethod.Post, "v1/sandboxes", "{not json");
        await Expect(400, "bad-request", HttpMethod.Post, "v1/sandboxes", """{"module_sha256":"x","surprise":1}""");
        await Expect(400, "bad-policy", HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","policy":{"max-memory":"lots"}}""");
        await Expect(400, "bad-policy", HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","policy":{"tiemout":"1s"}}""");
        await Expect(400, "bad-policy", HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","policy":{"dir":["relative::/x"]}}""");
        await Expect(422, "not-a-wasi-command", HttpMethod.Post, "v1/modules", bytes: "hello, not wasm"u8.ToArray());
        // An empty module: valid WebAssembly, but no _start, so never a WASI command.
        await Expect(422, "not-a-wasi-command", HttpMethod.Post, "v1/modules", bytes: [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]);
        // A command that imports what no sandbox provides: refused at upload, from its import section.
        await Expect(422, "not-a-wasi-command", HttpMethod.Post, "v1/modules",
            bytes: Wasmtime.Module.ConvertText("""(module (import "env" "host_secret" (func)) (memory (export "memory") 1) (func (export "_start")))"""));
        await Expect(404, "module-not-found", HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{new string('a', 64)}}}"}""");
        await Expect(403, "ceiling-exceeded", HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process","max-memory":"1GiB"}}""");
        await Expect(403, "ceiling-exceeded", HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"none","max-memory":"16MiB"}}""");
        await Expect(413, "body-too-large", HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","stdin_base64":"{{{new string('A', 17 << 20)}}}"}""");

        var (_, list, _) = await daemon.SendAsync(HttpMethod.Get, "v1/sandboxes");
        Assert.Equal("[]", list);
    }

    [Fact]
    public async Task TooManySandboxes_Gets429WithRetryAfter()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start("--max-sandboxes", "1");
        var sha = await daemon.UploadAsync(Guests.C("spin"));
        var first = await daemon.SpawnAsync(sha, """{"isolation":"process","timeout":"30s"}""");

        var (status, body, response) = await daemon.SendAsync(HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process"}}""");

        Assert.Equal(429, status);
        Assert.Equal(ProblemTypes.For("too-many-sandboxes"), DaemonProcess.Problem(body).Type);
        Assert.NotNull(response.Headers.RetryAfter);
        await daemon.SendAsync(HttpMethod.Post, $"v1/sandboxes/{first.Id}/kill");
    }

    [Fact]
    public async Task Remove_RunningRefusedUnlessForced_ThenGone()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("spin"));
        var spawned = await daemon.SpawnAsync(sha, """{"isolation":"process","timeout":"30s"}""");

        Assert.Equal(409, (await daemon.SendAsync(HttpMethod.Delete, $"v1/sandboxes/{spawned.Id}")).Status);
        Assert.Equal(200, (await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{spawned.Id}")).Status);
        Assert.Equal(204, (await daemon.SendAsync(HttpMethod.Delete, $"v1/sandboxes/{spawned.Id}?force=true")).Status);
        Assert.Equal(404, (await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{spawned.Id}")).Status);
    }

    [Fact]
    public async Task OpenApiDocument_IsServedAndNamesTheRoutes()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var (status, body, _) = await daemon.SendAsync(HttpMethod.Get, "openapi.json");
        Assert.Equal(200, status);
        using var doc = JsonDocument.Parse(body);
        Assert.True(doc.RootElement.GetProperty("paths").TryGetProperty("/v1/sandboxes/{id}/logs", out _));
    }

}
