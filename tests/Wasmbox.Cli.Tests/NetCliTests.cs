using System.Net;

namespace Wasmbox.Cli.Tests;

/// <summary>
/// Issue 11 through <c>wasmbox run</c> in every tier: a guest's own sockets (tests/guests/c/net.c) reach an allowed
/// echo server on 127.0.0.1 or ::1 and nothing else; refused destinations answer EACCES and the servers see no
/// connection; in the jail the broker refuses even when the WASI host's check is switched off, and the worker has no
/// network of its own.
/// </summary>
public class NetCliTests
{
    private const string Eacces = "2";

    private static void SkipUnlessJail(string tier)
    {
        if (tier == "jail" && (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/bwrap")))
            Assert.Skip("the jail tier needs Linux and bubblewrap (apt-get install -y bubblewrap)");
    }

    private static CliResult Net(string tier, string[] policy, string[] args, IDictionary<string, string?>? env = null) =>
        WasmboxProcess.Run(["run", "--isolation", tier, "--timeout", "20s", .. policy, Guests.C("net"), .. args], env: env);

    [Theory]
    [InlineData("none")]
    [InlineData("process")]
    [InlineData("jail")]
    public void TcpAndUdpEcho_AllowedLoopback_RoundTripInEveryTier(string tier)
    {
        SkipUnlessJail(tier);
        using var tcp = new TcpEchoServer(IPAddress.Loopback);
        using var tcp6 = new TcpEchoServer(IPAddress.IPv6Loopback);
        using var udp = new UdpEchoServer(IPAddress.Loopback);

        var r = Net(tier, ["--allow-net", $"127.0.0.1:{tcp.Port}"], ["echo", "tcp", "127.0.0.1", $"{tcp.Port}", "over tcp"]);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        Assert.Contains("recv=over tcp\n", r.Stdout);
        Assert.Contains($"peer=127.0.0.1:{tcp.Port}\n", r.Stdout);

        var r6 = Net(tier, ["--allow-net", $"[::1]:{tcp6.Port}"], ["echo", "tcp", "::1", $"{tcp6.Port}", "over six"]);
        Assert.True(r6.ExitCode == 0, r6.Stderr + r6.Stdout);
        Assert.Contains("recv=over six\n", r6.Stdout);

        var u = Net(tier, ["--allow-net", $"127.0.0.1:{udp.Port}"], ["echo", "udp", "127.0.0.1", $"{udp.Port}", "over udp"]);
        Assert.True(u.ExitCode == 0, u.Stderr + u.Stdout);
        Assert.Contains("recv=over udp\n", u.Stdout);
        Assert.Contains($"from=127.0.0.1:{udp.Port}\n", u.Stdout);

        Assert.Equal(1, tcp.Accepted);
        Assert.Equal(1, tcp6.Accepted);
        Assert.Equal(1, udp.Received);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("process")]
    [InlineData("jail")]
    public void RefusedDestinations_GetEacces_AndTheServerSeesNothing(string tier)
    {
        SkipUnlessJail(tier);
        using var tcp = new TcpEchoServer(IPAddress.Loopback);
        using var udp = new UdpEchoServer(IPAddress.Loopback);
        string[] policy = ["--allow-net", $"127.0.0.1:{tcp.Port + 1}", "--allow-net", "10.0.0.0/8:*", "--allow-net", "0.0.0.0/0:*"];
        foreach (var (kind, host, port) in new[]
                 {
                     ("tcp", "127.0.0.1", tcp.Port), ("tcp", "127.0.0.2", tcp.Port), ("tcp", "::1", tcp.Port),
                     ("tcp", "192.168.0.1", 80), ("tcp", "169.254.169.254", 80), ("udp", "127.0.0.1", udp.Port),
                 })
        {
            var r = Net(tier, policy, ["connect", kind, host, $"{port}"]);
            Assert.True($"connect={Eacces}\n" == r.Stdout, $"{kind} {host}:{port}: {r.Stdout}{r.Stderr}");
        }
        // A name that resolves to loopback resolves to none, even under a rule for every port of that name.
        var name = Net(tier, ["--allow-net", "localhost:*"], ["resolve", "localhost", $"{tcp.Port}"]);
        Assert.Contains("resolve=0 count=0\n", name.Stdout);
        Assert.Equal(0, tcp.Accepted);
        Assert.Equal(0, udp.Received);
    }

    [Fact]
    public void NoAllowNet_TheGuestHasNoNetwork_AndTheRefusalIsAudited()
    {
        using var tmp = new TempDir();
        var report = tmp.File("report.json");
        var r = WasmboxProcess.Run(["run", "--trace", "--report", report, Guests.C("net"), "open"]);
        Assert.Contains($"open={Eacces}\n", r.Stdout);
        Assert.Contains("\"refusals\": 1", File.ReadAllText(report));
        Assert.Contains("no --allow-net rule", r.Stderr);
    }

    [Fact]
    public void Jail_WithTheHostCheckSwitchedOff_TheBrokerStillRefuses()
    {
        SkipUnlessJail("jail");
        using var tcp = new TcpEchoServer(IPAddress.Loopback);
        var env = new Dictionary<string, string?> { ["WASMBOX_TEST_SKIP_NET_CHECK"] = "1" };
        var allowed = Net("jail", ["--allow-net", $"127.0.0.1:{tcp.Port + 1}"], ["connect", "tcp", "127.0.0.1", $"{tcp.Port}"], env);
        Assert.True($"connect={Eacces}\n" == allowed.Stdout, allowed.Stdout + allowed.Stderr);
        Assert.Equal(0, tcp.Accepted);
    }

    [Fact]
    public void Jail_OpeningSocketsItself_TheWorkerHasNoNetwork()
    {
        SkipUnlessJail("jail");
        using var tcp = new TcpEchoServer(IPAddress.Loopback);
        // The worker skips the broker and opens the socket itself, with the destination allowed: seccomp refuses an
        // AF_INET socket, and its network namespace has no route to the host's 127.0.0.1 anyway.
        var env = new Dictionary<string, string?> { ["WASMBOX_TEST_DIRECT_NET"] = "1" };
        var r = Net("jail", ["--allow-net", $"127.0.0.1:{tcp.Port}"], ["connect", "tcp", "127.0.0.1", $"{tcp.Port}"], env);
        Assert.DoesNotContain("connect=0\n", r.Stdout);
        Assert.StartsWith("connect=", r.Stdout);
        Assert.Equal(0, tcp.Accepted);
    }

    [Theory]
    [InlineData("process")]
    [InlineData("jail")]
    public void Limits_MaxConnectionsAndMaxNetBytes_HoldInWorkers(string tier)
    {
        SkipUnlessJail(tier);
        using var tcp = new TcpEchoServer(IPAddress.Loopback);
        using var tmp = new TempDir();
        var report = tmp.File("report.json");
        var leak = Net(tier, ["--allow-net", $"127.0.0.1:{tcp.Port}", "--max-connections", "4", "--report", report], ["leak", "20", "127.0.0.1", $"{tcp.Port}"]);
        Assert.Contains("opened=4 error=33\n", leak.Stdout);
        Assert.Contains("max-connections", File.ReadAllText(report));

        var bytes = Net(tier, ["--allow-net", $"127.0.0.1:{tcp.Port}", "--max-net-bytes", "10000"], ["bytes", "127.0.0.1", $"{tcp.Port}", "100000"]);
        Assert.Contains("error=19\n", bytes.Stdout);
    }
}
