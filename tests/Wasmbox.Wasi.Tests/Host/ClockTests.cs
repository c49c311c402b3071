using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Clocks;

namespace Wasmbox.Wasi.Tests.Host;

public class ClockTests
{
    private static HostFixture Deterministic(ulong seed = 1) => new(new WasiOptions { DeterministicSeed = seed });

    [Theory]
    [InlineData(Clockid.Realtime)]
    [InlineData(Clockid.Monotonic)]
    [InlineData(Clockid.ProcessCputimeId)]
    [InlineData(Clockid.ThreadCputimeId)]
    public void ClockResGet_EachClock_IsNonZeroAndWritesEightBytes(Clockid id)
    {
        using var f = new HostFixture();

        Assert.Equal(Errno.Success, f.Host.ClockResGet(f.View, (uint)id, 8));

        Assert.NotEqual(0ul, f.U64(8));
        Assert.True(f.U64(8) <= 1_000_000, $"resolution {f.U64(8)} ns is coarser than 1 ms");
        Assert.Equal("?"u8.ToArray(), f.Bytes(7, 1));
        Assert.Equal("?"u8.ToArray(), f.Bytes(16, 1));
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(5u)]
    [InlineData(0x100u)]
    [InlineData(uint.MaxValue)]
    public void ClockResGet_UnknownClock_IsInvalAndWritesNothing(uint id)
    {
        using var f = new HostFixture();

        Assert.Equal(Errno.Inval, f.Host.ClockResGet(f.View, id, 8));

        Assert.All(f.Memory.Bytes, b => Assert.Equal(HostFixture.Sentinel, b));
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(uint.MaxValue)]
    public void ClockTimeGet_UnknownClock_IsInvalAndWritesNothing(uint id)
    {
        using var f = new HostFixture();

        Assert.Equal(Errno.Inval, f.Host.ClockTimeGet(f.View, id, 0, 8));

        Assert.All(f.Memory.Bytes, b => Assert.Equal(HostFixture.Sentinel, b));
    }

    [Fact]
    public void ClockTimeGet_UnknownClockAndBadPointer_IsInval()
    {
        // The id is decoded before the result pointer is used, as in Wasmtime.
        using var f = new HostFixture();

        Assert.Equal(Errno.Inval, f.Host.ClockTimeGet(f.View, 9, 0, 65536));
    }

    [Theory]
    [InlineData(65536u)]
    [InlineData(65532u)]
    [InlineData(4u)]
    [InlineData(1u)]
    public void ClockTimeGet_BadPointer_TrapsAndWritesNothing(uint ptr)
    {
        using var f = new HostFixture();

        Assert.Throws<WasiTrap>(() => f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, ptr));

        Assert.All(f.Memory.Bytes, b => Assert.Equal(HostFixture.Sentinel, b));
    }

    [Fact]
    public void ClockTimeGet_Realtime_IsNearTheHostsTime()
    {
        using var f = new HostFixture();
        var before = (ulong)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;

        Assert.Equal(Errno.Success, f.Host.ClockTimeGet(f.View, (uint)Clockid.Realtime, 0, 8));

        var after = (ulong)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        Assert.InRange(f.U64(8), before, after);
        Assert.Equal("?"u8.ToArray(), f.Bytes(16, 1));
    }

    [Fact]
    public void ClockTimeGet_Monotonic_NeverGoesBack()
    {
        using var f = new HostFixture();
        var previous = 0ul;
        for (var i = 0; i < 1000; i++)
        {
            f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, 8);
            Assert.True(f.U64(8) >= previous);
            previous = f.U64(8);
        }
    }

    [Fact]
    public void ClockTimeGet_Monotonic_CountsFromTheContextNotTheHostsBoot()
    {
        using var f = new HostFixture();

        f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, 8);

        // Generous: the context was created moments ago; a host uptime would be far larger than an hour.
        Assert.True(f.U64(8) < 3_600_000_000_000ul, $"monotonic reads {f.U64(8)} ns");
    }

    [Fact]
    public void ClockTimeGet_ThreadCputime_AdvancesWithWork()
    {
        using var f = new HostFixture();
        f.Host.ClockTimeGet(f.View, (uint)Clockid.ThreadCputimeId, 0, 8);
        var start = f.U64(8);

        var spin = System.Diagnostics.Stopwatch.StartNew();
        while (spin.ElapsedMilliseconds < 30) { }
        f.Host.ClockTimeGet(f.View, (uint)Clockid.ThreadCputimeId, 0, 8);

        Assert.True(f.U64(8) > start);
    }

    [Fact]
    public void ClockTimeGet_ProcessCputime_IsPositive()
    {
        using var f = new HostFixture();

        Assert.Equal(Errno.Success, f.Host.ClockTimeGet(f.View, (uint)Clockid.ProcessCputimeId, 0, 8));

        Assert.True(f.U64(8) > 0);
    }

    [Fact]
    public void ClockTimeGet_Deterministic_FirstRealtimeReadingIsTheYear2000()
    {
        using var f = Deterministic();

        f.Host.ClockTimeGet(f.View, (uint)Clockid.Realtime, 0, 8);

        Assert.Equal(946_684_800_000_000_000ul, f.U64(8));
        Assert.Equal(DeterministicClock.RealtimeStart, f.U64(8));
    }

    [Fact]
    public void ClockTimeGet_Deterministic_EveryCallAdvancesOneMicrosecond()
    {
        using var f = Deterministic();
        var readings = new List<ulong>();
        for (var i = 0; i < 3; i++)
        {
            f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, 8);
            readings.Add(f.U64(8));
        }
        f.Host.ClockTimeGet(f.View, (uint)Clockid.Realtime, 0, 8);
        readings.Add(f.U64(8));

        Assert.Equal([0ul, 1_000, 2_000, DeterministicClock.RealtimeStart + 3_000], readings);
    }

    [Fact]
    public void ClockTimeGet_Deterministic_SameSequenceForTwoContexts()
    {
        using var a = Deterministic(seed: 7);
        using var b = Deterministic(seed: 7);

        Assert.Equal(Readings(a), Readings(b));
    }

    [Fact]
    public void ClockTimeGet_Deterministic_DoesNotMoveWhenItTraps()
    {
        using var f = Deterministic();

        Assert.Throws<WasiTrap>(() => f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, 65536));
        f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, 8);

        Assert.Equal(0ul, f.U64(8));
    }

    [Theory]
    [InlineData(Clockid.Realtime)]
    [InlineData(Clockid.Monotonic)]
    [InlineData(Clockid.ProcessCputimeId)]
    [InlineData(Clockid.ThreadCputimeId)]
    public void ClockResGet_Deterministic_IsOneMicrosecond(Clockid id)
    {
        using var f = Deterministic();

        f.Host.ClockResGet(f.View, (uint)id, 8);

        Assert.Equal(1_000ul, f.U64(8));
    }

    [Fact]
    public void ClockResGet_Deterministic_DoesNotMoveTheClock()
    {
        using var f = Deterministic();

        f.Host.ClockResGet(f.View, (uint)Clockid.Monotonic, 8);
        f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, 8);

        Assert.Equal(0ul, f.U64(8));
    }

    [Fact]
    public void DeterministicClock_WaitPastTheEndOfTime_Saturates()
    {
        var clock = new DeterministicClock();

        clock.Wait(ulong.MaxValue, TestContext.Current.CancellationToken);
        clock.Wait(ulong.MaxValue, TestContext.Current.CancellationToken);

        Assert.Equal(ulong.MaxValue, clock.Peek(Clockid.Realtime));
        Assert.Equal(ulong.MaxValue - DeterministicClock.RealtimeStart, clock.Peek(Clockid.Monotonic));
    }

    [Fact]
    public void SystemClock_WaitCancelled_Throws()
    {
        var clock = new SystemClock();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.Throws<OperationCanceledException>(() => clock.Wait(60_000_000_000, cancel.Token));
    }

    private static List<ulong> Readings(HostFixture f)
    {
        var readings = new List<ulong>();
        foreach (var id in new[] { Clockid.Realtime, Clockid.Monotonic, Clockid.ProcessCputimeId, Clockid.ThreadCputimeId, Clockid.Monotonic })
        {
            f.Host.ClockTimeGet(f.View, (uint)id, 0, 8);
            readings.Add(f.U64(8));
        }
        return readings;
    }
}
