using System.Diagnostics;
using System.Net.Sockets;

namespace Wasmbox.Cli.Tests;

/// <summary>
/// Events and metrics through the NativeAOT binaries (<c>.build/wasmbox/</c>): System.Text.Json source generation for the
/// events and prometheus-net's text writer run trimmed and ahead of time only here.
/// </summary>
public class AotDaemonEventsTests
{
    private static readonly string Published = Path.Combine(Guests.RepoRoot, ".build", "wasmbox", "wasmbox");

    [Fact]
    public async Task Aot_Daemon_EventsAndMetricsThroughThePublishedBinaries()
    {
        if (!File.Exists(Published + "-daemon")) Assert.Skip($"no NativeAOT daemon at {Published}-daemon; run ./wasmbox.sh once");
        if (!File.Exists("/usr/bin/bwrap")) Assert.Skip("the daemon's default tier is the jail, which needs bubblewrap (apt-get install -y bubblewrap)");
        using var tmp = new TempDir();
        var socket = tmp.File("d.sock");
        var start = new ProcessStartInfo(Published) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "daemon", "--socket", socket, "--data-dir", tmp.File("data") }) start.ArgumentList.Add(a);
        using var daemon = Process.Start(start)!;
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        try
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!File.Exists(socket) && DateTime.UtcNow < until && !daemon.HasExited) Thread.Sleep(50);
            Assert.True(File.Exists(socket), "the published daemon did not create its socket");
            var host = "unix://" + socket;

            var spawn = Run("spawn", "--host", host, "--name", "aot1", "examples/hello.wasm");
            Assert.True(spawn.Exit == 0, spawn.Stderr);
            var id = spawn.Stdout.Trim();
            Assert.Equal(0, Run("wait", "--host", host, id).Exit);
            var events = Run("events", "--host", host, "--since", "0", "--no-follow");
            var json = Run("events", "--host", host, "--since", "0", "--no-follow", "--json", "--filter", "kind=exited");

            Assert.True(events.Exit == 0, events.Stderr);
            var lines = events.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["created", "started", "exited"], lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]));
            Assert.All(lines, l => Assert.Contains($" {id} aot1", l));
            Assert.Contains("\"kind\":\"exited\"", json.Stdout);
            Assert.Contains("\"exit_status\":0", json.Stdout);

            using var http = new HttpClient(new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancel) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancel);
                    return new NetworkStream(s, ownsSocket: true);
                },
            }) { BaseAddress = new Uri("http://wasmbox/") };
            var metrics = await http.GetStringAsync("metrics", TestContext.Current.CancellationToken);
            Assert.Contains("# TYPE wasmbox_spawns_total counter\nwasmbox_spawns_total 1\n", metrics);
            Assert.Contains("wasmbox_exits_total{outcome=\"exited\"} 1\n", metrics);
            Assert.Contains("wasmbox_spawn_latency_seconds_count 1\n", metrics);
            Assert.Contains("wasmbox_sandbox_cpu_seconds_total{sandbox=\"aot1\"} ", metrics);
        }
        finally
        {
            using (var term = Process.Start("kill", ["-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term.WaitForExit();
            if (!daemon.WaitForExit(TimeSpan.FromSeconds(15))) daemon.Kill(entireProcessTree: true);
        }
        Assert.Equal(0, daemon.ExitCode);
    }

    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var start = new ProcessStartInfo(Published)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Guests.RepoRoot,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), $"wasmbox-aot-tests-{Environment.ProcessId}");
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "the AOT build hung");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
