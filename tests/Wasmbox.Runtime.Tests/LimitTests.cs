using Wasmbox.Runtime.Wasi;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;

namespace Wasmbox.Runtime.Tests;

/// <summary>Each limit exceeded by a hostile guest: the outcome, the report's limits_hit, and that this process lives on.</summary>
public class LimitTests
{
    private static SandboxPolicy Limits(long? memory = null, ulong? fuel = null, TimeSpan? timeout = null) =>
        SandboxPolicy.DenyAll with { Limits = new SandboxLimits(memory, fuel, timeout) };

    [Fact]
    public void MaxMemory_MemoryHog_GrowthRefusedGuestCarriesOnAndReportNamesIt()
    {
        const long cap = 16L << 20;
        var run = GuestRun.Of(Guests.C("memhog"), Limits(memory: cap));

        Assert.Equal(RunOutcome.Exited(0), run.Outcome);
        Assert.Matches(@"^allocated 1[0-5] MiB\n$", run.Stdout);
        Assert.Contains(LimitKind.MaxMemory, run.Usage.LimitsHit);
        Assert.InRange(run.Usage.PeakMemoryBytes, 10L << 20, cap);
    }

    [Fact]
    public void MaxMemory_GuestStaysUnder_NoLimitReported()
    {
        var run = GuestRun.Of(Guests.C("memhog"), Limits(memory: 64L << 20), args: ["4"]);
        Assert.Equal("allocated 4 MiB\n", run.Stdout);
        Assert.Empty(run.Usage.LimitsHit);
    }

    [Fact]
    public void MaxMemory_RawMemoryGrow_SeesMinusOneAtTheCap()
    {
        // grow.wat grows by 16 MiB until refused and exits with the number of successful grows.
        var run = GuestRun.Of(Guests.Wat("grow"), Limits(memory: 50L << 20));
        Assert.Equal(OutcomeKind.Exited, run.Outcome.Kind);
        Assert.Equal(3, run.Outcome.GuestExitCode);
        Assert.Equal([LimitKind.MaxMemory], run.Usage.LimitsHit);
    }

    [Fact]
    public void MaxMemory_InitialMemoryAboveCap_IsMemoryLimitOutcome()
    {
        var run = GuestRun.Of(Guests.Wat("big_initial_memory"), Limits(memory: 16L << 20));
        Assert.Equal(OutcomeKind.MemoryLimit, run.Outcome.Kind);
        Assert.Equal(137, run.Outcome.ExitStatus);
        Assert.Contains(LimitKind.MaxMemory, run.Usage.LimitsHit);
        Assert.Contains("--max-memory", run.Outcome.Message);
    }

    [Fact]
    public void Fuel_InfiniteLoop_StopsOutOfFuelHavingUsedTheBudget()
    {
        var run = GuestRun.Of(Guests.Wat("loop"), Limits(fuel: 1_000_000));
        Assert.Equal(OutcomeKind.OutOfFuel, run.Outcome.Kind);
        Assert.Equal(124, run.Outcome.ExitStatus);
        Assert.Equal([LimitKind.Fuel], run.Usage.LimitsHit);
        Assert.Equal(1_000_000UL, run.Usage.FuelConsumed);
    }

    [Fact]
    public void Fuel_EnoughForTheGuest_CountsWhatItUsed()
    {
        var run = GuestRun.Of(Guests.C("hello"), Limits(fuel: 100_000_000));
        Assert.Equal(RunOutcome.Exited(0), run.Outcome);
        Assert.InRange(run.Usage.FuelConsumed!.Value, 1UL, 99_999_999UL);
        Assert.Empty(run.Usage.LimitsHit);
    }

    [Fact]
    public void Fuel_NotSet_NotMetered()
    {
        Assert.Null(GuestRun.Of(Guests.C("hello")).Usage.FuelConsumed);
    }
}

public class TableLimitTests
{
    [Fact]
    public void MaxMemory_TableHog_EachTableIsCappedToo()
    {
        // Without a table cap this guest would grow its tables until the host ran out of memory; the 2 s timeout only
        // keeps a broken cap from taking the test run down with it.
        var run = GuestRun.Of(Guests.Wat("table_hog"), SandboxPolicy.DenyAll with { Limits = new SandboxLimits(4L << 20, null, TimeSpan.FromSeconds(2)) });
        Assert.Equal(RunOutcome.Exited(0), run.Outcome);
    }
}

[Collection(TimingCollection.Name)]
public class TimeoutTests
{
    private static SandboxPolicy Timeout(TimeSpan t) => SandboxPolicy.DenyAll with { Limits = new SandboxLimits(null, null, t) };

    [Theory]
    [InlineData("wat", "loop")]
    [InlineData("c", "spin")]
    public void Timeout_InfiniteLoop_StoppedWithinTimeoutPlus100ms(string kind, string guest)
    {
        var limit = TimeSpan.FromMilliseconds(300);
        var run = GuestRun.Of(kind == "wat" ? Guests.Wat(guest) : Guests.C(guest), Timeout(limit));

        Assert.Equal(OutcomeKind.Timeout, run.Outcome.Kind);
        Assert.Equal(124, run.Outcome.ExitStatus);
        Assert.Equal([LimitKind.Timeout], run.Usage.LimitsHit);
        Assert.InRange(run.Usage.Wall, limit, limit + TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void CpuTime_BusyGuest_StoppedByItsCpuUse()
    {
        var limit = TimeSpan.FromMilliseconds(200);
        var run = GuestRun.Of(Guests.C("spin"), SandboxPolicy.DenyAll with { Limits = SandboxLimits.None with { CpuTime = limit } });

        Assert.Equal(OutcomeKind.Timeout, run.Outcome.Kind);
        Assert.Contains("CPU-time limit", run.Outcome.Message);
        Assert.Equal([LimitKind.CpuTime], run.Usage.LimitsHit);
        Assert.InRange(run.Usage.Cpu, limit, limit + TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void CpuTime_SleepingGuest_IsNotChargedForWaiting()
    {
        // The guest sleeps in poll_oneoff (20 ms and more) using almost no CPU; waiting is not charged.
        var run = GuestRun.Of(Guests.Conformance("p1_poll_oneoff_clock"), SandboxPolicy.DenyAll with { Limits = SandboxLimits.None with { CpuTime = TimeSpan.FromMilliseconds(100) } });
        Assert.Equal(OutcomeKind.Exited, run.Outcome.Kind);
        Assert.Empty(run.Usage.LimitsHit);
    }

    [Fact]
    public void Timeout_GuestFinishesFirst_ExitsNormally()
    {
        var run = GuestRun.Of(Guests.C("hello"), Timeout(TimeSpan.FromSeconds(10)));
        Assert.Equal(RunOutcome.Exited(0), run.Outcome);
        Assert.Empty(run.Usage.LimitsHit);
    }

    [Fact]
    public void Timeout_ManySandboxesAtOnce_EachStopsOnTime()
    {
        var limit = TimeSpan.FromMilliseconds(200);
        var runs = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(8)
            .Select(_ => GuestRun.Of(Guests.Wat("loop"), Timeout(limit))).ToList();
        Assert.All(runs, r => Assert.Equal(OutcomeKind.Timeout, r.Outcome.Kind));
        // Eight busy guests on two cores: each still stops on its own deadline, not one tick per sandbox.
        Assert.All(runs, r => Assert.InRange(r.Usage.Wall, limit, limit + TimeSpan.FromMilliseconds(400)));
    }
}

/// <summary>Hostile guests that hide in a host call (tests/guests/hostile): the deadline still ends them on time.</summary>
[Collection(TimingCollection.Name)]
public class HostCallDeadlineTests
{
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(400);

    [Fact]
    public void Timeout_GuestBlockedReadingSilentStdinPipe_TimedOutOnTime()
    {
        var limit = TimeSpan.FromMilliseconds(300);
        using var writer = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        var stdin = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, writer.ClientSafePipeHandle);
        // The pipe stays silent for 10 s: a read that ignored the deadline would end the run only then.
        var cancel = TestContext.Current.CancellationToken;
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), cancel);
            try { writer.Write("late"u8); } catch (Exception e) when (e is ObjectDisposedException or IOException) { }
        }, cancel);

        using var tmp = new TempDir("wasmbox-out");
        var result = Sandbox.Run(new RunRequest(Guests.Hostile("stdin_block"), [], SandboxPolicy.DenyAll with { Limits = new SandboxLimits(null, null, limit) })
        {
            Stdio = new GuestStdio(new OutputTarget.ToFile(tmp.File("out")), new OutputTarget.ToFile(tmp.File("err"))) { StdinOverride = stdin },
        });

        Assert.Equal(OutcomeKind.Timeout, result.Outcome.Kind);
        Assert.Equal([LimitKind.Timeout], result.Usage.LimitsHit);
        Assert.InRange(result.Usage.Wall, limit, limit + Slack);
    }

    [Fact]
    public void CpuTime_GuestFillingHugeRandomBuffers_StoppedByCpuTimeOnTime()
    {
        var limit = TimeSpan.FromMilliseconds(100);
        var run = GuestRun.Of(Guests.Hostile("random_huge"), SandboxPolicy.DenyAll with { Limits = SandboxLimits.None with { CpuTime = limit } });

        Assert.Equal(OutcomeKind.Timeout, run.Outcome.Kind);
        Assert.Contains("CPU-time limit", run.Outcome.Message);
        Assert.Equal([LimitKind.CpuTime], run.Usage.LimitsHit);
        // One 256 MiB call is several hundred ms of CPU: stopping within a chunk of the limit needs the chunks.
        Assert.InRange(run.Usage.Cpu, limit, limit + TimeSpan.FromMilliseconds(100));
    }
}
