using System.Net.Sockets;
using System.Text;

namespace Wasmbox.Cli.Tests;

/// <summary><c>wasmbox events</c> against a scripted daemon: what it prints for each notice, and that it resumes after an overflow.</summary>
public class EventsCommandTests
{
    private static string Event(long seq, string kind, string id) =>
        $"id: {seq}\nevent: {kind}\ndata: {{\"seq\":{seq},\"at\":\"2026-12-06T02:00:0{seq}Z\",\"kind\":\"{kind}\",\"sandbox_id\":\"{id}\",\"name\":null}}\n\n";

    private const string Overflow = "event: overflow\ndata: {\"kind\":\"overflow\",\"message\":\"cut off\",\"from\":3}\n\n";
    private const string Gap = "event: gap\ndata: {\"kind\":\"gap\",\"message\":\"events 3 to 4 are no longer kept by the daemon\",\"from\":3,\"to\":4}\n\n";
    private const string Shutdown = "event: shutdown\ndata: {\"kind\":\"shutdown\",\"message\":\"the daemon is shutting down\"}\n\n";

    [Fact]
    public async Task Events_CutOffForLagging_ResumesFromTheLastEventPrintedUntilShutdown()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("Unix sockets");
        using var tmp = new TempDir();
        var socket = tmp.File("fake.sock");
        var requests = new List<string>();
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socket));
        listener.Listen();
        var server = Task.Run(async () =>
        {
            // First connection: two events, then cut off. Second: a gap, one more event, then the daemon stops.
            foreach (var body in new[] { Event(1, "created", "aa") + Event(2, "started", "aa") + Overflow, Gap + Event(5, "exited", "aa") + Shutdown })
            {
                using var client = await listener.AcceptAsync(TestContext.Current.CancellationToken);
                using var stream = new NetworkStream(client);
                requests.Add(await ReadHeadAsync(stream));
                var head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.UTF8.GetBytes(head + body), TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken);

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await Task.Run(() => WasmboxCli.Run(["events", "--host", "unix://" + socket, "--filter", "kind=created,started,exited"], stdout, stderr), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await server.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(0, exit);
        Assert.Equal(["created", "started", "exited"], stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]));
        Assert.StartsWith("GET /v1/events?kind=created%2Cstarted%2Cexited HTTP/1.1", requests[0]);
        Assert.DoesNotContain("Last-Event-ID", requests[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Last-Event-ID: 2\r\n", requests[1], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("wasmbox: notice: events 3 to 4 are no longer kept by the daemon", stderr.ToString());
        Assert.Contains("wasmbox: notice: the daemon is shutting down", stderr.ToString());
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(one, TestContext.Current.CancellationToken) == 1)
            head.Append((char)one[0]);
        return head.ToString();
    }
}
