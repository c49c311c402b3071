using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Wasmbox.Cli.Commands;
using Wasmbox.Core.Policy;

namespace Wasmbox.Cli.Tests;

/// <summary><c>wasmbox run</c> across the isolation tiers: the default, the fallback, and what happens when wasmbox itself dies.</summary>
public class IsolationCliTests
{
    private static void RequireJail()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/bwrap")) Assert.Skip("the jail tier needs Linux and bubblewrap (apt-get install -y bubblewrap)");
    }

    [Fact]
    public void Choose_NoTierAsked_IsTheJailWhereBubblewrapIsInstalled()
    {
        var notices = new List<string>();
        Assert.Equal(IsolationTier.Jail, Wasmbox.Launch.Tiers.TierChoice.For(SandboxPolicy.DenyAll, notices.Add, () => true));
        Assert.Empty(notices);
    }

    [Fact]
    public void Choose_NoBubblewrap_FallsBackToProcessWithOneNotice()
    {
        var notices = new List<string>();
        Assert.Equal(IsolationTier.Process, Wasmbox.Launch.Tiers.TierChoice.For(SandboxPolicy.DenyAll, notices.Add, () => false));
        var notice = Assert.Single(notices);
        Assert.Contains("--isolation process", notice);
    }

    [Fact]
    public void Choose_TierAsked_IsKeptEvenWithoutBubblewrap()
    {
        var notices = new List<string>();
        Assert.Equal(IsolationTier.Jail, Wasmbox.Launch.Tiers.TierChoice.For(SandboxPolicy.DenyAll with { Isolation = IsolationTier.Jail }, notices.Add, () => false));
        Assert.Empty(notices);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("process")]
    [InlineData("jail")]
    public void Run_EveryTier_RunsHelloAndReportsIt(string tier)
    {
        if (tier == "jail") RequireJail();
        using var tmp = new TempDir();
        var report = tmp.File("r.json");
        var r = WasmboxProcess.Run(["run", "--isolation", tier, "--report", report, "examples/hello.wasm"]);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("hello from wasmbox\n", r.Stdout);
        Assert.Equal("", r.Stderr);
        var json = JsonDocument.Parse(File.ReadAllText(report)).RootElement;
        if (tier == "none") Assert.Equal(JsonValueKind.Null, json.GetProperty("peak_rss_bytes").ValueKind);
        else Assert.True(json.GetProperty("peak_rss_bytes").GetInt64() > 1 << 20, "a worker's peak RSS is at least a MiB");
        // What the guest read and wrote, counted by the WASI host in every tier.
        var io = json.GetProperty("io");
        Assert.Equal(0, io.GetProperty("bytes_read").GetInt64());
        Assert.Equal(19, io.GetProperty("bytes_written").GetInt64());
        Assert.Equal(19, io.GetProperty("output_bytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, io.GetProperty("disk_written_bytes").ValueKind);
    }

    [Fact]
    public void Run_JailWithListen_ServesAHostClientThroughThePassedSocket()
    {
        RequireJail();
        var port = FreePort();
        using var server = StartCli(["run", "--isolation", "jail", "--listen", $"127.0.0.1:{port}", "--timeout", "20s", "tests/guests/wat/echo_server.wat"]);
        using var client = ConnectWithRetry(port, TimeSpan.FromSeconds(15));
        client.Send("ping"u8);
        var buffer = new byte[16];
        var n = client.Receive(buffer);
        Assert.Equal("ping", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(20)));
    }

    [Theory]
    [InlineData("jail")]
    [InlineData("process")]
    public void Run_WasmboxKilled_LeavesNoWorkerBehind(string tier)
    {
        if (tier == "jail") RequireJail();
        using var cli = StartCli(["run", "--isolation", tier, "--timeout", "60s", "tests/guests/c/spin.wasm"]);
        var workers = Poll.Until(() => ProcessTree.Descendants(cli.Id, "wasmbox-worker"), w => w.Count > 0, TimeSpan.FromSeconds(20));
        Assert.NotEmpty(workers);

        cli.Kill(); // SIGKILL: no cleanup code of ours runs
        cli.WaitForExit();

        Assert.Empty(ProcessTree.WaitGone(workers, TimeSpan.FromSeconds(5)));
    }

    private static Process StartCli(string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Guests.RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wasmbox.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), $"wasmbox-cli-tests-{Environment.ProcessId}");
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }


    private static Socket ConnectWithRetry(int port, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect("127.0.0.1", port);
                return socket;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                socket.Dispose();
                Thread.Sleep(100);
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }
}
