using System.Text.Json;
using Wasmbox.Core.Api;

namespace Wasmbox.Daemon.Tests;

/// <summary>
/// Issue 11 through the real daemon: <c>allow-net</c> and the net limits in a spawn request, the operator's
/// <c>--net-ceiling</c> and net ceilings, and the rules surviving a restart of the daemon.
/// </summary>
public class DaemonNetPolicyTests
{
    private static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the daemon listens on a Unix socket and starts Linux workers");
    }

    private static async Task<ProblemDetails> ExpectProblem(DaemonProcess daemon, int status, string code, string json)
    {
        var (got, body, response) = await daemon.SendAsync(HttpMethod.Post, "v1/sandboxes", json);
        Assert.True(got == status, $"{got} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = DaemonProcess.Problem(body);
        Assert.Equal(ProblemTypes.For(code), problem.Type);
        Assert.DoesNotContain('\n', problem.Detail);
        return problem;
    }

    [Fact]
    public async Task Spawn_BadRuleOrLimit_Is400NamingTheKeyAndNothingIsCreated()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        var sha = await daemon.UploadAsync(Guests.C("hello"));

        var rule = await ExpectProblem(daemon, 400, "bad-policy",
            $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process","allow-net":["api.example.com:443","10.0.0.0/33:*"]}}""");
        Assert.StartsWith("policy: allow-net[1] '10.0.0.0/33:*': ", rule.Detail);
        Assert.Contains("write [connect|bind:]HOST:PORTS", rule.Detail);
        var limit = await ExpectProblem(daemon, 400, "bad-policy",
            $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process","max-net-bytes":"lots"}}""");
        Assert.StartsWith("policy: max-net-bytes: ", limit.Detail);
        await ExpectProblem(daemon, 400, "bad-policy", $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process","max-connections":-1}}""");
        await ExpectProblem(daemon, 400, "bad-policy", $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process","allow-net":[443]}}""");

        Assert.Equal("[]", (await daemon.SendAsync(HttpMethod.Get, "v1/sandboxes")).Body);
    }

    [Fact]
    public async Task Spawn_UnderNetCeilings_WithinRuns_BeyondIs403NamingTheRule()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start("--net-ceiling", "*.example.com:443", "--net-ceiling", "0.0.0.0/0:*",
            "--max-connections", "8", "--max-net-bytes", "1MiB");
        var sha = await daemon.UploadAsync(Guests.C("hello"));
        const string limits = "\"max-connections\":8,\"max-net-bytes\":\"1MiB\"";

        var beyond = await ExpectProblem(daemon, 403, "ceiling-exceeded",
            $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process",{{{limits}}},"allow-net":["api.example.com:443","api.example.org:443"]}}""");
        Assert.StartsWith("--allow-net 'api.example.org:443': not within the network the operator allows", beyond.Detail);
        // A wide ceiling does not let a sandbox name the host's loopback.
        var loopback = await ExpectProblem(daemon, 403, "ceiling-exceeded",
            $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process",{{{limits}}},"allow-net":["127.0.0.1:22"]}}""");
        Assert.StartsWith("--allow-net '127.0.0.1:22': ", loopback.Detail);
        var connections = await ExpectProblem(daemon, 403, "ceiling-exceeded",
            $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process","max-connections":9,"max-net-bytes":"1MiB"}}""");
        Assert.Equal("--max-connections 9 is above the operator's ceiling of 8", connections.Detail);
        var required = await ExpectProblem(daemon, 403, "ceiling-exceeded",
            $$$"""{"module_sha256":"{{{sha}}}","policy":{"isolation":"process","max-connections":8}}""");
        Assert.Equal("--max-net-bytes is required: the operator allows at most 1MiB", required.Detail);

        var within = await daemon.SpawnAsync(sha, $$$"""{"isolation":"process",{{{limits}}},"allow-net":["api.example.com:443","8.8.8.8:53"]}""");
        var done = await daemon.WaitAsync(within.Id);
        Assert.Equal("exited", done.State);
        Assert.Equal(0, done.ExitStatus);
    }

    [Fact]
    public async Task Restart_KeepsTheSandboxsNetRulesAndLimits()
    {
        RequireLinux();
        var dir = new TempDir("wasmbox-daemon");
        // Not disposed: that would delete the data dir the second daemon reads.
        var first = DaemonProcess.Start(dir);
        var sha = await first.UploadAsync(Guests.C("hello"));
        var id = (await first.SpawnAsync(sha,
            """{"isolation":"process","allow-net":["*.example.com:443","bind:[::1]:8000-8099"],"max-connections":3,"max-net-bytes":"64KiB"}""")).Id;
        var done = await first.WaitAsync(id);
        Assert.Equal(0, done.ExitStatus);
        // A run with network rules reports its sockets, even when it opened none.
        Assert.Equal(0, done.Report!.Net?.ConnectionsMade);
        Assert.Equal(0, first.Terminate(TimeSpan.FromSeconds(30)));
        first.Http.Dispose();

        using var second = DaemonProcess.Start(dir);
        var view = JsonSerializer.Deserialize((await second.SendAsync(HttpMethod.Get, $"v1/sandboxes/{id}")).Body, ApiJson.Default.SandboxView)!;

        Assert.Equal(["*.example.com:443", "bind:[::1]:8000-8099"], view.Policy.GetProperty("allow-net").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(3, view.Policy.GetProperty("max-connections").GetInt32());
        Assert.Equal(64 << 10, view.Policy.GetProperty("max-net-bytes").GetInt64());
        Assert.NotNull(view.Report!.Net);
    }

    [Fact]
    public async Task CliSpawn_NetFlagsAndFile_ReachTheDaemonInTheirOrder()
    {
        RequireLinux();
        using var daemon = DaemonProcess.Start();
        using var tmp = new TempDir();
        var policy = tmp.Write("policy.toml", "allow-net = [\"a.example.com:443\"]\nmax-net-bytes = \"2MiB\"");

        var spawn = daemon.Cli("spawn", "--isolation", "process", "--policy", policy, "--allow-net", "10.0.0.0/8:*", "--max-connections", "2", Guests.C("hello"));
        Assert.True(spawn.Exit == 0, spawn.Stderr);
        var view = JsonSerializer.Deserialize((await daemon.SendAsync(HttpMethod.Get, $"v1/sandboxes/{spawn.Stdout.Trim()}")).Body, ApiJson.Default.SandboxView)!;

        Assert.Equal(["a.example.com:443", "10.0.0.0/8:*"], view.Policy.GetProperty("allow-net").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, view.Policy.GetProperty("max-connections").GetInt32());
        Assert.Equal(2 << 20, view.Policy.GetProperty("max-net-bytes").GetInt64());

        // Checked by the CLI first, in the words the user wrote.
        var bad = daemon.Cli("spawn", "--isolation", "process", "--allow-net", "nope", Guests.C("hello"));
        Assert.Equal(125, bad.Exit);
        Assert.StartsWith("wasmbox: --allow-net 'nope': ", bad.Stderr);
    }

    [Theory]
    [InlineData("--net-ceiling", "nope", "--net-ceiling 'nope': ")]
    [InlineData("--max-connections", "many", "--max-connections: ")]
    [InlineData("--max-net-bytes", "lots", "--max-net-bytes: ")]
    public async Task Daemon_BadNetFlag_OneLineAndRefusesToStart(string flag, string value, string start)
    {
        RequireLinux();
        using var tmp = new TempDir();
        using var daemon = DaemonProcess.StartRaw([flag, value, "--socket", tmp.File("d.sock"), "--data-dir", tmp.File("data")]);
        var stderr = daemon.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var exited = daemon.WaitForExit(TimeSpan.FromSeconds(20));
        if (!exited) daemon.Kill(entireProcessTree: true);

        Assert.True(exited, $"wasmbox-daemon {flag} {value} kept running");
        Assert.NotEqual(0, daemon.ExitCode);
        var text = (await stderr).Trim();
        Assert.StartsWith("wasmbox: " + start, text);
        Assert.DoesNotContain('\n', text);
    }
}
