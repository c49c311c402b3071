using System.Net;
using System.Net.Sockets;
using System.Text;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Tests.Workers;

namespace Wasmbox.Jail.Tests.Net;

/// <summary>
/// The broker with a real jail around the worker: the jail cannot make a network socket of its own, yet a connection
/// the policy allows crosses into it over the inherited channel and carries bytes out; one the policy does not allow
/// is refused by the broker and reaches nothing.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class BrokerJailTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Jail_AllowedConnection_ComesThroughTheBroker_WhileTheJailCannotOpenOneItself()
    {
        WorkerRuns.RequireJail();
        using var allowed = new TcpListener(IPAddress.Loopback, 0);
        allowed.Start();
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)allowed.LocalEndpoint).Port;
        var otherPort = ((IPEndPoint)other.LocalEndpoint).Port;
        var policy = SandboxPolicy.DenyAll with { Net = BrokerHarness.Policy($"127.0.0.1:{port}") };

        var accept = allowed.AcceptSocketAsync(Token).AsTask();
        var report = WorkerRuns.SelfCheck(IsolationTier.Jail, WorkerRuns.Job(Guests.C("hello"), policy),
            "--broker-connect", $"127.0.0.1:{port}", "--broker-connect", $"127.0.0.1:{otherPort}");

        Assert.Equal("EPERM", report.GetProperty("socket_inet").GetString());
        Assert.Equal("set", report.EnumerateObject().Single(p => p.Name.StartsWith("broker-fd:", StringComparison.Ordinal)).Value.GetString());
        Assert.Equal("sent", report.GetProperty($"broker-connect:127.0.0.1:{port}").GetString());
        Assert.StartsWith("Acces: connect to 127.0.0.1:", report.GetProperty($"broker-connect:127.0.0.1:{otherPort}").GetString());

        using var accepted = await accept.WaitAsync(TimeSpan.FromSeconds(5), Token);
        var buffer = new byte[64];
        var total = 0;
        int n;
        while ((n = await accepted.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, Token).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Token)) > 0)
            total += n;
        Assert.Equal("from-the-jail", Encoding.ASCII.GetString(buffer, 0, total));
        Assert.False(other.Pending());
    }
}

/// <summary>How the launcher wires the broker into a run: a jailed run with rules gets one and ends it; a pooled worker never serves such a run.</summary>
[Collection(WorkerCollection.Name)]
public sealed class BrokerWiringTests
{
    [Fact]
    public void Jail_RunWithNetRules_RunsWithItsBroker()
    {
        WorkerRuns.RequireJail();
        var policy = SandboxPolicy.DenyAll with { Net = BrokerHarness.Policy("127.0.0.1:9") };
        var run = WorkerRuns.Run(IsolationTier.Jail, WorkerRuns.Job(Guests.C("hello"), policy));
        Assert.True(run.Outcome.Kind == Core.Outcomes.OutcomeKind.Exited && run.Outcome.GuestExitCode == 0, run.ToString());
        Assert.Empty(WorkerRuns.LiveWorkers());
    }

    [Fact]
    public void Pool_JobWithNetRules_NeverTakesAPooledWorker()
    {
        var io = new Wasmbox.Jail.Workers.WorkerIo(null, new MemoryStream(), new MemoryStream());
        var policy = SandboxPolicy.DenyAll with { Net = BrokerHarness.Policy("127.0.0.1:9") };
        Assert.Null(Wasmbox.Jail.Workers.WorkerPoolKey.Of(WorkerRuns.Job(Guests.C("hello"), policy), io));
        Assert.NotNull(Wasmbox.Jail.Workers.WorkerPoolKey.Of(WorkerRuns.Job(Guests.C("hello"), SandboxPolicy.DenyAll), io));
    }
}
