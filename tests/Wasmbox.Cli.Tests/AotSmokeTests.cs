using System.Diagnostics;

namespace Wasmbox.Cli.Tests;

/// <summary>
/// The NativeAOT build that users run (<c>./wasmbox.sh</c> publishes it into <c>.build/wasmbox/</c>; <c>test.sh</c> builds
/// it before the tests). The Wasmtime package is not trim-annotated, so only running it proves it works under AOT.
/// </summary>
public class AotSmokeTests
{
    private static readonly string Published = Path.Combine(Guests.RepoRoot, ".build", "wasmbox", "wasmbox");

    private static (int Exit, string Stdout, string Stderr) RunPublished(params string[] args)
    {
        if (!File.Exists(Published) || !File.Exists(Published + "-worker"))
            Assert.Skip($"no NativeAOT build at {Published}; run ./wasmbox.sh once (./test.sh does it first)");
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

    [Theory]
    [InlineData("none")]
    [InlineData("process")]
    [InlineData("jail")]
    public void Aot_Hello_RunsInEveryTier(string tier)
    {
        if (tier == "jail" && !File.Exists("/usr/bin/bwrap")) Assert.Skip("the jail tier needs bubblewrap (apt-get install -y bubblewrap)");
        var (exit, stdout, stderr) = RunPublished("run", "--isolation", tier, "examples/hello.wasm");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Equal("hello from wasmbox\n", stdout);
    }

    [Fact]
    public void Aot_EveryOutcomeThroughTheWorker_HasItsStatus()
    {
        if (!File.Exists("/usr/bin/bwrap")) Assert.Skip("the jail tier needs bubblewrap (apt-get install -y bubblewrap)");
        Assert.Equal(124, RunPublished("run", "--timeout", "200ms", "tests/guests/wat/loop.wat").Exit);
        Assert.Equal(134, RunPublished("run", "tests/guests/wat/unreachable.wat").Exit);
        Assert.Equal(137, RunPublished("run", "--max-memory", "1MiB", "tests/guests/wat/big_initial_memory.wat").Exit);
        Assert.Equal(42, RunPublished("run", "tests/guests/c/exit_code.wasm", "42").Exit);
        Assert.Equal(125, RunPublished("run", "tests/guests/wat/unknown_import.wat").Exit);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("process")]
    [InlineData("jail")]
    public void Aot_SpinningGuestPastItsTimeout_EndsWithinTheLimitPlus100ms(string tier)
    {
        if (tier == "jail" && !File.Exists("/usr/bin/bwrap")) Assert.Skip("the jail tier needs bubblewrap (apt-get install -y bubblewrap)");
        // Up to three tries: the test run shares two cores with other test assemblies, and one late timer is the machine's,
        // not ours; a stop that is late every time fails.
        var walls = new List<double>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var report = Path.Combine(Path.GetTempPath(), $"wasmbox-aot-timeout-{Environment.ProcessId}-{tier}-{attempt}.json");
            try
            {
                var (exit, _, stderr) = RunPublished("run", "--isolation", tier, "--timeout", "300ms", "--report", report, "tests/guests/c/spin.wasm");
                Assert.True(exit == 124, $"exit {exit}: {stderr}");
                using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(report));
                Assert.Equal("timeout", json.RootElement.GetProperty("outcome").GetString());
                walls.Add(json.RootElement.GetProperty("wall_ms").GetDouble());
            }
            finally { File.Delete(report); }
            if (walls[^1] is >= 300 and <= 400) return;
        }
        Assert.Fail($"tier {tier}: stopped at {string.Join(", ", walls.Select(w => $"{w:F0} ms"))} for a 300 ms limit (want 300–400)");
    }

    [Fact]
    public void Aot_Doctor_NamesEveryLayer()
    {
        var (exit, stdout, _) = RunPublished("doctor");
        Assert.Equal(0, exit);
        foreach (var layer in new[] { "bubblewrap", "seccomp", "cgroups" }) Assert.Contains(layer, stdout);
    }

    [Fact]
    public void Aot_Daemon_SpawnWaitLogsThroughThePublishedBinaries()
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

            var spawn = RunPublished("spawn", "--host", host, "examples/hello.wasm");
            Assert.True(spawn.Exit == 0, spawn.Stderr);
            var id = spawn.Stdout.Trim();
            Assert.Equal(0, RunPublished("wait", "--host", host, id).Exit);
            Assert.Equal("hello from wasmbox\n", RunPublished("logs", "--host", host, id).Stdout);
            Assert.Contains(id, RunPublished("ps", "-a", "--host", host).Stdout);
        }
        finally
        {
            using (var term = Process.Start("kill", ["-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term.WaitForExit();
            if (!daemon.WaitForExit(TimeSpan.FromSeconds(15))) daemon.Kill(entireProcessTree: true);
        }
        Assert.Equal(0, daemon.ExitCode);
        Assert.False(File.Exists(socket), "the daemon left its socket behind");
    }
}
