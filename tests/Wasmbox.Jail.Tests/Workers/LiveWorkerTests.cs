using System.Diagnostics;
using Wasmbox.Core.Outcomes;
using Wasmbox.Jail.Workers;

namespace Wasmbox.Jail.Tests.Workers;

/// <summary>
/// The parent's live view of a worker: questions only after the assignment, an answer only for a question asked (a
/// worker that sends figures unasked breaks the protocol), and no waiting once the worker has ended.
/// </summary>
public class LiveWorkerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly GuestCounters Some = new(1 << 20, null, 4, 0, new GuestIo(0, 5, 5, null), null);

    [Fact]
    public async Task Refresh_BeforeTheAssignment_AsksNothing()
    {
        var live = new LiveWorker(Process.GetCurrentProcess(), null, null);
        await live.RefreshAsync(TimeSpan.FromSeconds(5), Ct).WaitAsync(TimeSpan.FromSeconds(1), Ct);
        Assert.False(live.TakeQuestion());
    }

    [Fact]
    public async Task Answer_ToAQuestion_IsTakenOnce_AndReachesTheNextSample()
    {
        var live = new LiveWorker(Process.GetCurrentProcess(), null, null);
        var asked = 0;
        live.Assigned(() => asked++);

        var refresh = live.RefreshAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(1, asked);
        Assert.False(refresh.IsCompleted);
        Assert.True(live.TakeQuestion());
        live.Answered(Some);
        await refresh.WaitAsync(TimeSpan.FromSeconds(5), Ct);

        Assert.False(live.TakeQuestion()); // a second frame for the same question is unasked
        Assert.Equal(Some, live.Sample()!.Guest);
    }

    [Fact]
    public async Task Refresh_OfAnEndedWorker_ReturnsAtOnce_AndSamplesNothing()
    {
        var live = new LiveWorker(Process.GetCurrentProcess(), null, null);
        live.Assigned(() => { });
        var waiting = live.RefreshAsync(TimeSpan.FromSeconds(30), Ct);
        live.Ended();

        await waiting.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        await live.RefreshAsync(TimeSpan.FromSeconds(30), Ct).WaitAsync(TimeSpan.FromSeconds(1), Ct);
        Assert.Null(live.Sample());
    }
}
