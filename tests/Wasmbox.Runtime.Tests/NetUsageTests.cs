using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Runtime.Tests;

/// <summary>
/// Issue 11, the runner's side: a run's usage has the socket counts exactly when the policy gave the guest a network
/// (an <c>--allow-net</c> rule or a <c>--listen</c> socket), and never names a net limit it did not hit.
/// </summary>
public class NetUsageTests
{
    [Fact]
    public void Run_NoNetwork_HasNoNetUsage()
    {
        var run = GuestRun.Of(Guests.C("hello"));
        Assert.Equal(OutcomeKind.Exited, run.Outcome.Kind);
        Assert.Null(run.Usage.Net);
    }

    [Fact]
    public void Run_NetLimitsWithoutRules_HaveNothingToCount()
    {
        var run = GuestRun.Of(Guests.C("hello"), SandboxPolicy.DenyAll with { Limits = SandboxLimits.None with { MaxConnections = 0, MaxNetBytes = 0 } });
        Assert.Null(run.Usage.Net);
        Assert.Empty(run.Usage.LimitsHit);
    }

    [Fact]
    public void Run_WithRules_CountsFromZeroAndHitsNoLimit()
    {
        var policy = SandboxPolicy.DenyAll with
        {
            Net = new NetPolicy([NetRule.Parse("api.example.com:443"), NetRule.Parse("bind:[::1]:8000-8099")]),
            Limits = SandboxLimits.None with { MaxConnections = 1, MaxNetBytes = 10 },
        };
        var run = GuestRun.Of(Guests.C("hello"), policy);

        Assert.Equal(OutcomeKind.Exited, run.Outcome.Kind);
        Assert.Equal(NetUsage.Zero, run.Usage.Net);
        Assert.DoesNotContain(LimitKind.MaxConnections, run.Usage.LimitsHit);
        Assert.DoesNotContain(LimitKind.MaxNetBytes, run.Usage.LimitsHit);
    }

    [Fact]
    public void Run_WithAListener_HasNetUsage()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
        probe.Dispose();

        var run = GuestRun.Of(Guests.C("hello"), SandboxPolicy.DenyAll with { Listen = [$"127.0.0.1:{port}"] });

        Assert.Equal(OutcomeKind.Exited, run.Outcome.Kind);
        Assert.NotNull(run.Usage.Net);
    }

    [Fact]
    public void Run_WasmtimesBuiltinWasi_CountsNoSockets()
    {
        var policy = SandboxPolicy.DenyAll with { Net = new NetPolicy([NetRule.Parse("api.example.com:443")]) };
        var run = GuestRun.With(WasmtimeBuiltinWasi.Instance, Guests.C("hello"), policy);
        Assert.Null(run.Usage.Net);
    }
}
