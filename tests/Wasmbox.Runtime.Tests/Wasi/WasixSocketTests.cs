using System.Net;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;

namespace Wasmbox.Runtime.Tests.Wasi;

/// <summary>
/// The WASIX socket calls in-process (tier none), against echo servers the tests start on 127.0.0.1 and ::1: what an
/// allowed destination gets, what a refused one gets (EACCES, and the server sees nothing), the limits, malformed input.
/// </summary>
public class WasixSocketTests
{
    private const int Eacces = 2, Emfile = 33, Eafnosupport = 5, Einval = 28, Eprotonosupport = 66, Enotsock = 57, Ebadf = 8;

    private static SandboxPolicy Allow(params string[] rules) => SandboxPolicy.DenyAll with
    {
        Net = new NetPolicy(rules.Select(r => NetRule.Parse(r)).ToList()),
        Limits = new SandboxLimits(null, null, TimeSpan.FromSeconds(20)),
    };

    private static GuestRun Net(SandboxPolicy policy, params string[] args) => GuestRun.Of(Guests.C("net"), policy, null, args);

    [Fact]
    public void TcpEcho_AllowedLoopbackPort_RoundTrips()
    {
        using var server = new TcpEchoServer(IPAddress.Loopback);
        var run = Net(Allow($"127.0.0.1:{server.Port}"), "echo", "tcp", "127.0.0.1", $"{server.Port}", "hello over wasix");

        Assert.Equal(RunOutcome.Exited(0), run.Outcome);
        Assert.Contains("connect=0\n", run.Stdout);
        Assert.Contains("status=1\n", run.Stdout);
        Assert.Contains("recv=hello over wasix\n", run.Stdout);
        Assert.Contains($"peer=127.0.0.1:{server.Port}\n", run.Stdout);
        Assert.Contains("local_family=1 local_port_nonzero=1\n", run.Stdout);
        Assert.Equal(1, server.Accepted);
        var net = Assert.IsType<NetUsage>(run.Usage.Net);
        Assert.Equal(1, net.ConnectionsMade);
        Assert.Equal("hello over wasix".Length, net.BytesSent);
        Assert.Equal("hello over wasix".Length, net.BytesReceived);
    }

    [Fact]
    public void TcpEcho_Ipv6Loopback_RoundTrips()
    {
        using var server = new TcpEchoServer(IPAddress.IPv6Loopback);
        var run = Net(Allow($"[::1]:{server.Port}"), "echo", "tcp", "::1", $"{server.Port}", "six");
        Assert.Equal(RunOutcome.Exited(0), run.Outcome);
        Assert.Contains("recv=six\n", run.Stdout);
        Assert.Contains($"peer=[0:0:0:0:0:0:0:1]:{server.Port}\n", run.Stdout);
    }

    [Fact]
    public void UdpEcho_AllowedLoopbackPort_RoundTrips()
    {
        using var server = new UdpEchoServer(IPAddress.Loopback);
        var run = Net(Allow($"127.0.0.1:{server.Port}"), "echo", "udp", "127.0.0.1", $"{server.Port}", "datagram");
        Assert.Equal(RunOutcome.Exited(0), run.Outcome);
        Assert.Contains("recv=datagram\n", run.Stdout);
        Assert.Contains($"from=127.0.0.1:{server.Port}\n", run.Stdout);
        Assert.Equal(1, server.Received);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public void Refused_OtherPortOtherLoopbackCidrOutsideAndMetadata_GetEaccesAndReachNothing(string kind)
    {
        using var server = new TcpEchoServer(IPAddress.Loopback);
        using var udp = new UdpEchoServer(IPAddress.Loopback);
        var port = kind == "tcp" ? server.Port : udp.Port;
        var policy = Allow($"127.0.0.1:{port + 1}", "10.0.0.0/8:*", "0.0.0.0/0:443");
        foreach (var (host, p) in new[] { ("127.0.0.1", port), ("127.0.0.2", port), ("192.168.1.1", port), ("169.254.169.254", 80), ("169.254.169.254", 443) })
        {
            var run = Net(policy, "connect", kind, host, $"{p}");
            Assert.Contains($"connect={Eacces}\n", run.Stdout);
            Assert.Equal(1, run.Result.Refusals.Total);
            Assert.Contains(run.Result.Refusals.Kept, r => r.Errno == "acces");
        }
        Assert.Equal(0, server.Accepted);
        Assert.Equal(0, udp.Received);
    }

    [Fact]
    public void Trace_ShowsSocketCallsWithDecodedAddresses_AndRefusals()
    {
        using var server = new TcpEchoServer(IPAddress.Loopback);
        var trace = new Wasmbox.Wasi.Tracing.RecordingTraceSink();
        var policy = Allow($"127.0.0.1:{server.Port}");
        GuestRun.With(Wasmbox.Runtime.Wasi.WasmboxWasi.Instance, Guests.C("net"), policy, args: ["echo", "tcp", "127.0.0.1", $"{server.Port}", "t"], trace: trace);
        var connect = Assert.Single(trace.Calls, c => c.Name == "sock_connect");
        Assert.Contains($"addr=127.0.0.1:{server.Port}", connect.Arguments);
        Assert.Contains(trace.Calls, c => c.Name == "sock_addr_peer" && c.Arguments.Contains($"-> 127.0.0.1:{server.Port}"));

        var refused = new Wasmbox.Wasi.Tracing.RecordingTraceSink();
        GuestRun.With(Wasmbox.Runtime.Wasi.WasmboxWasi.Instance, Guests.C("net"), policy, args: ["connect", "tcp", "169.254.169.254", "80"], trace: refused);
        var call = Assert.Single(refused.Calls, c => c.Name == "sock_connect");
        Assert.Equal(Wasmbox.Wasi.Abi.Errno.Acces, call.Result);
        Assert.Contains("cloud metadata", call.Refusal);
    }

    [Fact]
    public void NoRules_SockOpenIsRefused()
    {
        var run = Net(SandboxPolicy.DenyAll, "open");
        Assert.Equal($"open={Eacces}\n", run.Stdout);
        Assert.Contains("no --allow-net rule", run.Result.Refusals.Kept.Single().Reason);
    }

    [Fact]
    public void Resolve_NameNoRuleNames_IsRefusedWithoutLookup_LiteralIsJudgedAsItself()
    {
        var policy = Allow("api.example.com:443", "127.0.0.1:9");
        var refused = Net(policy, "resolve", "other.example.com", "443");
        Assert.Contains($"resolve={Eacces}", refused.Stdout);
        var literal = Net(policy, "resolve", "127.0.0.1", "9");
        Assert.Contains("resolve=0 count=1\naddr=127.0.0.1:0\n", literal.Stdout);
        var guarded = Net(policy, "resolve", "127.0.0.2", "9");
        Assert.Contains("resolve=0 count=0\n", guarded.Stdout);
    }

    [Fact]
    public void Resolve_NameThatPointsAtLoopback_ResolvesToNone()
    {
        // "localhost" resolves to loopback: a name rule must not open a guarded address (DNS rebinding).
        var run = Net(Allow("localhost:*"), "resolve", "localhost", "80");
        Assert.Contains("resolve=0 count=0\n", run.Stdout);
        Assert.True(run.Result.Refusals.Total >= 1);
    }

    [Fact]
    public void MaxConnections_LeakingGuest_GetsEmfileAtTheLimit()
    {
        using var server = new TcpEchoServer(IPAddress.Loopback);
        var policy = Allow($"127.0.0.1:{server.Port}") is var p ? p with { Limits = p.Limits with { MaxConnections = 3 } } : null!;
        var run = Net(policy, "leak", "10", "127.0.0.1", $"{server.Port}");
        Assert.Equal($"opened=3 error={Emfile}\n", run.Stdout);
        Assert.Contains(LimitKind.MaxConnections, run.Usage.LimitsHit);
    }

    [Fact]
    public void MaxOpenFiles_LeakingGuest_IsBoundedByTheOpenFilesQuota()
    {
        using var server = new TcpEchoServer(IPAddress.Loopback);
        var policy = Allow($"127.0.0.1:{server.Port}") is var p ? p with { Limits = p.Limits with { MaxOpenFiles = 8 } } : null!;
        var run = Net(policy, "leak", "50", "127.0.0.1", $"{server.Port}");
        Assert.Equal($"opened=5 error={Emfile}\n", run.Stdout); // 3 stdio + 5 sockets
        Assert.Contains(LimitKind.MaxOpenFiles, run.Usage.LimitsHit);
    }

    [Fact]
    public void MaxNetBytes_StopsSendingAtTheLimit()
    {
        using var server = new TcpEchoServer(IPAddress.Loopback);
        var policy = Allow($"127.0.0.1:{server.Port}") is var p ? p with { Limits = p.Limits with { MaxNetBytes = 10_000 } } : null!;
        var run = Net(policy, "bytes", "127.0.0.1", $"{server.Port}", "100000");
        var net = Assert.IsType<NetUsage>(run.Usage.Net);
        Assert.True(net.BytesSent + net.BytesReceived <= 10_000, $"{net}");
        Assert.Contains("error=19\n", run.Stdout); // EDQUOT
        Assert.Contains(LimitKind.MaxNetBytes, run.Usage.LimitsHit);
    }

    [Fact]
    public void SendTo_ADatagramPastUdpsLimit_IsEmsgsize_AndReachesNothing()
    {
        using var udp = new UdpEchoServer(IPAddress.Loopback);
        var run = Net(Allow($"127.0.0.1:{udp.Port}"), "bigdgram", "127.0.0.1", $"{udp.Port}");
        Assert.Equal("send_to=35 sent=0\n", run.Stdout); // EMSGSIZE, before any host buffer or socket is made
        Assert.Equal(0, run.Usage.Net!.BytesSent);
        Assert.Equal(0, run.Usage.Net.ConnectionsMade);
        Assert.Equal(0, udp.Received);
    }

    [Fact]
    public void NonblockingConnect_InProgressThenPollThenConnected()
    {
        using var server = new TcpEchoServer(IPAddress.Loopback);
        var run = Net(Allow($"127.0.0.1:{server.Port}"), "nonblock", "127.0.0.1", $"{server.Port}");
        Assert.Contains("set_flags=0\nconnect=inprogress-or-done\npoll=0 events=1 error=0\nconnect_again=30\nstatus=1\n", run.Stdout); // EISCONN
    }

    [Fact]
    public void MalformedAddresses_GiveTheirErrnos()
    {
        var run = Net(Allow("127.0.0.1:80"), "badaddr");
        Assert.Equal(
            $"open=0\nfamily9={Eafnosupport}\nfamily0={Eafnosupport}\nwrongfamily={Eafnosupport}\nbadaf={Eafnosupport}\n" +
            $"badtype={Einval}\nraw={Eprotonosupport}\nbadproto={Eprotonosupport}\nnotsock={Enotsock}\nclosed={Ebadf}\n", run.Stdout);
    }

    [Fact]
    public void AddrPortPointerPastTheEnd_Traps()
    {
        var run = Net(Allow("127.0.0.1:80"), "oob");
        Assert.Equal(OutcomeKind.Trapped, run.Outcome.Kind);
        Assert.Equal("before\n", run.Stdout);
    }

    [Fact]
    public async Task Bind_OutsideBindRules_IsRefused_InsideServesAClient()
    {
        var ct = TestContext.Current.CancellationToken;
        var refused = Net(Allow("127.0.0.1:*"), "serve", "127.0.0.1", "0");
        Assert.Equal($"bind={Eacces}\n", refused.Stdout);

        var port = FreePort();
        var guest = Task.Run(() => Net(Allow($"bind:127.0.0.1:{port}"), "serve", "127.0.0.1", $"{port}"), ct);
        using var client = new System.Net.Sockets.TcpClient();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try { await client.ConnectAsync(IPAddress.Loopback, port, ct); break; }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline) { await Task.Delay(20, ct); }
        }
        var stream = client.GetStream();
        await stream.WriteAsync("served by a guest"u8.ToArray(), ct);
        client.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        var reply = new MemoryStream();
        await stream.CopyToAsync(reply, ct).WaitAsync(TimeSpan.FromSeconds(15), ct);
        var run = await guest.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal("served by a guest", System.Text.Encoding.ASCII.GetString(reply.ToArray()));
        Assert.Contains($"bind=0\nlistening {port}\naccept=0\nserved\n", run.Stdout);
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
