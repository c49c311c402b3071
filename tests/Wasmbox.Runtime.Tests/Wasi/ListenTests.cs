using System.Net;
using System.Net.Sockets;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;

namespace Wasmbox.Runtime.Tests.Wasi;

/// <summary><c>--listen</c>: a guest serves on a preopened listener; only loopback, bounded in time.</summary>
public class ListenTests
{
    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [Fact]
    public async Task Listen_GuestEchoServer_AnswersAClient()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort();
        var policy = SandboxPolicy.DenyAll with { Listen = [$"127.0.0.1:{port}"], Limits = new SandboxLimits(null, null, TimeSpan.FromSeconds(20)) };
        var guest = Task.Run(() => GuestRun.Of(Guests.Wat("echo_server"), policy), ct);

        using var client = new TcpClient();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try { await client.ConnectAsync(IPAddress.Loopback, port, ct); break; }
            catch (SocketException) when (DateTime.UtcNow < deadline) { await Task.Delay(20, ct); }
        }
        var stream = client.GetStream();
        await stream.WriteAsync("ping over wasi"u8.ToArray(), ct);
        var reply = new MemoryStream();
        await stream.CopyToAsync(reply, ct).WaitAsync(TimeSpan.FromSeconds(15), ct);

        var run = await guest.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal("ping over wasi", System.Text.Encoding.ASCII.GetString(reply.ToArray()));
        Assert.Equal(RunOutcome.Exited(14), run.Outcome);
    }

    [Fact]
    public void Listen_BlockedInAccept_TimeoutStillStopsIt()
    {
        var policy = SandboxPolicy.DenyAll with
        {
            Listen = [$"127.0.0.1:{FreePort()}"],
            Limits = new SandboxLimits(null, null, TimeSpan.FromMilliseconds(300)),
        };
        var run = GuestRun.Of(Guests.Wat("echo_server"), policy);
        Assert.Equal(OutcomeKind.Timeout, run.Outcome.Kind);
        Assert.InRange(run.Usage.Wall, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(1500));
    }

    [Fact]
    public void Listen_PortInUse_IsSetupFailure()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        var run = GuestRun.Of(Guests.Wat("echo_server"), SandboxPolicy.DenyAll with { Listen = [$"127.0.0.1:{port}"] });
        Assert.Equal(OutcomeKind.SetupFailed, run.Outcome.Kind);
        Assert.Contains(port.ToString(), run.Outcome.Message);
        Assert.DoesNotContain('\n', run.Outcome.Message);
    }
}
