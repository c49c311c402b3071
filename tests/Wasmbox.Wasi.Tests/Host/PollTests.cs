using System.Buffers.Binary;
using System.Diagnostics;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Tests.Host;

public class PollTests
{
    private const uint In = 256, Out = 4096, Nevents = 8192;
    private const ulong Ms = 1_000_000;

    [Fact]
    public void PollOneoff_NoSubscriptions_IsInvalAndWritesNothing()
    {
        using var f = new HostFixture();

        Assert.Equal(Errno.Inval, f.Host.PollOneoff(f.View, In, Out, 0, Nevents));

        Assert.All(f.Memory.Bytes, b => Assert.Equal(HostFixture.Sentinel, b));
    }

    [Fact]
    public void PollOneoff_TooManySubscriptions_IsInval()
    {
        using var f = new HostFixture();

        Assert.Equal(Errno.Inval, f.Host.PollOneoff(f.View, In, Out, Wasmbox.Wasi.Host.WasiHost.MaxPollSubscriptions + 1, Nevents));
    }

    public static TheoryData<string, int, byte[]> InvalidSubscriptions => new()
    {
        { "unknown tag", 8, [3] },
        { "unknown clock id", 16, [4, 0, 0, 0] },
        { "unknown clock flag", 40, [2, 0] },
    };

    [Theory]
    [MemberData(nameof(InvalidSubscriptions))]
    public void PollOneoff_InvalidSubscription_IsInvalAndWritesNothing(string why, int offset, byte[] bytes)
    {
        using var f = new HostFixture();
        PutClock(f, In, userdata: 1, Clockid.Monotonic, timeout: 0);
        f.Put(In + (uint)offset, bytes);
        var before = f.Memory.Bytes.ToArray();

        Assert.Equal(Errno.Inval, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.True(before.AsSpan().SequenceEqual(f.Memory.Bytes), why);
    }

    [Fact]
    public void PollOneoff_RelativeClock_WaitsAndWritesOneClockEvent()
    {
        using var f = new HostFixture();
        PutClock(f, In, userdata: 0x1122334455667788, Clockid.Monotonic, timeout: 20 * Ms);
        var watch = Stopwatch.StartNew();

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(10));
        Assert.Equal(1u, f.U32(Nevents));
        byte[] expected = [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0, (byte)Eventtype.Clock, 0, 0, 0, 0, 0, .. new byte[16]];
        Assert.Equal(expected, f.Bytes(Out, 32));
        Assert.Equal("?"u8.ToArray(), f.Bytes(Out + 32, 1));
        Assert.Equal("?"u8.ToArray(), f.Bytes(Out - 1, 1));
        Assert.Equal("?"u8.ToArray(), f.Bytes(Nevents + 4, 1));
    }

    [Fact]
    public void PollOneoff_RelativeZero_FiresAtOnce()
    {
        using var f = new HostFixture();
        PutClock(f, In, userdata: 5, Clockid.Realtime, timeout: 0);

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.Equal(1u, f.U32(Nevents));
        Assert.Equal(5ul, f.U64(Out));
    }

    [Fact]
    public void PollOneoff_AbsoluteMonotonic_WaitsUntilThatTime()
    {
        using var f = new HostFixture();
        f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, 0);
        PutClock(f, In, userdata: 9, Clockid.Monotonic, timeout: f.U64(0) + 30 * Ms, flags: Subclockflags.SubscriptionClockAbstime);
        var watch = Stopwatch.StartNew();

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        // The deadline was read just before the stopwatch started, so at least ~30 ms pass; generous on both sides.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(25), TimeSpan.FromSeconds(10));
        f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, 16);
        Assert.True(f.U64(16) >= f.U64(0) + 30 * Ms);
        Assert.Equal(9ul, f.U64(Out));
    }

    [Fact]
    public void PollOneoff_AbsoluteRealtimeInThePast_FiresAtOnce()
    {
        using var f = new HostFixture();
        PutClock(f, In, userdata: 3, Clockid.Realtime, timeout: 1_000_000_000, flags: Subclockflags.SubscriptionClockAbstime);
        var watch = Stopwatch.StartNew();

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(1u, f.U32(Nevents));
    }

    [Fact]
    public void PollOneoff_AbsoluteRealtime_WaitsUntilThatTime()
    {
        using var f = new HostFixture();
        var target = (ulong)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100 + 30 * Ms;
        PutClock(f, In, userdata: 3, Clockid.Realtime, timeout: target, flags: Subclockflags.SubscriptionClockAbstime);

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.True((ulong)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100 >= target);
    }

    [Fact]
    public void PollOneoff_TwoClocks_OnlyTheEarliestFires()
    {
        using var f = new HostFixture();
        PutClock(f, In, userdata: 1, Clockid.Monotonic, timeout: 60_000 * Ms);
        PutClock(f, In + 48, userdata: 2, Clockid.Monotonic, timeout: 10 * Ms);
        var watch = Stopwatch.StartNew();

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 2, Nevents));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal(1u, f.U32(Nevents));
        Assert.Equal(2ul, f.U64(Out));
        Assert.Equal("?"u8.ToArray(), f.Bytes(Out + 32, 1));
    }

    [Fact]
    public void PollOneoff_TwoClocksAlreadyDue_BothFireInSubscriptionOrder()
    {
        using var f = new HostFixture();
        PutClock(f, In, userdata: 7, Clockid.Monotonic, timeout: 0);
        PutClock(f, In + 48, userdata: 8, Clockid.Realtime, timeout: 0);

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 2, Nevents));

        Assert.Equal(2u, f.U32(Nevents));
        Assert.Equal(7ul, f.U64(Out));
        Assert.Equal(8ul, f.U64(Out + 32));
    }

    [Fact]
    public void PollOneoff_FdWriteOnStdout_IsReadyAtOnce()
    {
        using var f = new HostFixture();
        PutFd(f, In, userdata: 0xAB, Eventtype.FdWrite, fd: 1);
        PutClock(f, In + 48, userdata: 2, Clockid.Monotonic, timeout: 60_000 * Ms);
        var watch = Stopwatch.StartNew();

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 2, Nevents));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal(1u, f.U32(Nevents));
        byte[] expected = [0xAB, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)Eventtype.FdWrite, 0, 0, 0, 0, 0, .. new byte[16]];
        Assert.Equal(expected, f.Bytes(Out, 32));
        Assert.Equal("?"u8.ToArray(), f.Bytes(Out + 32, 1));
    }

    [Fact]
    public void PollOneoff_FdReadOnStdin_IsReady()
    {
        using var f = new HostFixture();
        PutFd(f, In, userdata: 1, Eventtype.FdRead, fd: 0);

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.Equal(1u, f.U32(Nevents));
        Assert.Equal((ushort)Errno.Success, BinaryPrimitives.ReadUInt16LittleEndian(f.Bytes(Out + 8, 2)));
        Assert.Equal((byte)Eventtype.FdRead, f.Bytes(Out + 10, 1)[0]);
    }

    /// <summary>
    /// A descriptor that is not open, or cannot be waited on that way, fails the whole call with EBADF and writes no
    /// event: Wasmtime's answer, and what the official test suite's poll_oneoff_files expects.
    /// </summary>
    [Theory]
    [InlineData(Eventtype.FdRead, 99u)]
    [InlineData(Eventtype.FdWrite, 3u)]
    [InlineData(Eventtype.FdRead, 0x8000_0000u)]
    [InlineData(Eventtype.FdWrite, uint.MaxValue)]
    [InlineData(Eventtype.FdWrite, 0u)] // stdin cannot be written
    [InlineData(Eventtype.FdRead, 1u)] // stdout cannot be read
    public void PollOneoff_FdNotOpenOrNotPollableThatWay_IsEbadfForTheWholeCall(Eventtype type, uint fd)
    {
        using var f = new HostFixture();
        PutFd(f, In, userdata: 4, type, fd);
        PutClock(f, In + 48, userdata: 5, Clockid.Monotonic, timeout: 0);
        f.PutU32(Nevents, 77);
        var before = f.Bytes(Out, 64).ToArray();

        Assert.Equal(Errno.Badf, f.Host.PollOneoff(f.View, In, Out, 2, Nevents));

        Assert.Equal(77u, f.U32(Nevents));
        Assert.Equal(before, f.Bytes(Out, 64).ToArray());
    }

    [Fact]
    public void PollOneoff_FdWithoutPollRight_IsAnEventWithEnotcapable()
    {
        using var f = new HostFixture();
        f.Context.Fds.Get(1)!.RightsBase = Rights.All & ~Rights.PollFdReadwrite;
        PutFd(f, In, userdata: 4, Eventtype.FdWrite, fd: 1);

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.Equal((ushort)Errno.Notcapable, BinaryPrimitives.ReadUInt16LittleEndian(f.Bytes(Out + 8, 2)));
    }

    [Theory]
    [InlineData(Clockid.ProcessCputimeId)]
    [InlineData(Clockid.ThreadCputimeId)]
    public void PollOneoff_CpuTimeClock_IsAnEventWithEinval(Clockid id)
    {
        using var f = new HostFixture();
        PutClock(f, In, userdata: 6, id, timeout: 60_000 * Ms);

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.Equal(1u, f.U32(Nevents));
        byte[] expected = [6, 0, 0, 0, 0, 0, 0, 0, (byte)Errno.Inval, 0, (byte)Eventtype.Clock, 0, 0, 0, 0, 0, .. new byte[16]];
        Assert.Equal(expected, f.Bytes(Out, 32));
    }

    [Fact]
    public void PollOneoff_RegularFileRead_ReportsBytesLeft()
    {
        using var f = new HostFixture();
        f.Context.Fds.Add(new FakeFile(size: 100, offset: 30), out var fd);
        PutFd(f, In, userdata: 1, Eventtype.FdRead, (uint)fd);

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.Equal(70ul, f.U64(Out + 16));
    }

    [Fact]
    public void PollOneoff_FdNeverReady_TheClockFires()
    {
        using var f = new HostFixture();
        f.Context.Fds.Add(new FakeStream(), out var fd);
        PutFd(f, In, userdata: 1, Eventtype.FdRead, (uint)fd);
        PutClock(f, In + 48, userdata: 2, Clockid.Monotonic, timeout: 20 * Ms);
        var watch = Stopwatch.StartNew();

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 2, Nevents));

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(10));
        Assert.Equal(1u, f.U32(Nevents));
        Assert.Equal(2ul, f.U64(Out));
    }

    [Fact]
    public void PollOneoff_FdBecomesReady_ReportsItWithNbytes()
    {
        using var f = new HostFixture();
        var stream = new FakeStream();
        f.Context.Fds.Add(stream, out var fd);
        PutFd(f, In, userdata: 1, Eventtype.FdRead, (uint)fd);
        using var timer = new Timer(_ => stream.Available = 12, null, 30, Timeout.Infinite);

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.Equal(1u, f.U32(Nevents));
        Assert.Equal(1ul, f.U64(Out));
        Assert.Equal(12ul, f.U64(Out + 16));
    }

    [Fact]
    public void PollOneoff_Interrupted_Throws()
    {
        using var f = new HostFixture();
        using var cancel = new CancellationTokenSource();
        f.Context.Interrupt = cancel.Token;
        PutClock(f, In, userdata: 1, Clockid.Monotonic, timeout: 3_600_000 * Ms);
        cancel.CancelAfter(30);
        var watch = Stopwatch.StartNew();

        Assert.Throws<OperationCanceledException>(() => f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal("????"u8.ToArray(), f.Bytes(Nevents, 4));
    }

    [Fact]
    public void PollOneoff_RelativeTimeoutOverflows_IsEoverflow()
    {
        using var f = new HostFixture();
        PutClock(f, In, userdata: 1, Clockid.Realtime, timeout: ulong.MaxValue);

        Assert.Equal(Errno.Overflow, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.Equal("????"u8.ToArray(), f.Bytes(Nevents, 4));
    }

    public static TheoryData<uint, uint, uint> BadPollPointers => new()
    {
        { 65536 - 40, Out, Nevents },   // subscriptions past the end
        { 4, Out, Nevents },            // subscriptions misaligned
        { In, 65536 - 24, Nevents },    // event past the end
        { In, Out + 4, Nevents },       // events misaligned
        { In, Out, 65536 },             // nevents past the end
        { In, Out, Nevents + 2 },       // nevents misaligned
    };

    [Theory]
    [MemberData(nameof(BadPollPointers))]
    public void PollOneoff_BadPointer_TrapsAndWritesNothing(uint inPtr, uint outPtr, uint neventsPtr)
    {
        using var f = new HostFixture();
        if (inPtr == In) PutClock(f, In, userdata: 1, Clockid.Monotonic, timeout: 0);
        var before = f.Memory.Bytes.ToArray();

        Assert.Throws<WasiTrap>(() => f.Host.PollOneoff(f.View, inPtr, outPtr, 1, neventsPtr));

        Assert.True(before.AsSpan().SequenceEqual(f.Memory.Bytes));
    }

    [Fact]
    public void PollOneoff_Deterministic_AdvancesTheClockInsteadOfSleeping()
    {
        using var f = new HostFixture(new WasiOptions { DeterministicSeed = 1 });
        PutClock(f, In, userdata: 1, Clockid.Monotonic, timeout: 3_600_000 * Ms);
        var watch = Stopwatch.StartNew();

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal(1u, f.U32(Nevents));
        f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, 0);
        Assert.Equal(3_600_000 * Ms, f.U64(0));
    }

    [Fact]
    public void PollOneoff_DeterministicAbsoluteRealtime_JumpsToThatInstant()
    {
        using var f = new HostFixture(new WasiOptions { DeterministicSeed = 1 });
        var target = Wasmbox.Wasi.Clocks.DeterministicClock.RealtimeStart + 86_400_000 * Ms;
        PutClock(f, In, userdata: 1, Clockid.Realtime, timeout: target, flags: Subclockflags.SubscriptionClockAbstime);

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 1, Nevents));

        f.Host.ClockTimeGet(f.View, (uint)Clockid.Realtime, 0, 0);
        Assert.Equal(target, f.U64(0));
    }

    [Fact]
    public void PollOneoff_DeterministicFdNotReady_TheClockFiresWithoutWaiting()
    {
        using var f = new HostFixture(new WasiOptions { DeterministicSeed = 1 });
        f.Context.Fds.Add(new FakeStream(), out var fd);
        PutFd(f, In, userdata: 1, Eventtype.FdRead, (uint)fd);
        PutClock(f, In + 48, userdata: 2, Clockid.Monotonic, timeout: 3_600_000 * Ms);
        var watch = Stopwatch.StartNew();

        Assert.Equal(Errno.Success, f.Host.PollOneoff(f.View, In, Out, 2, Nevents));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal(1u, f.U32(Nevents));
        Assert.Equal(2ul, f.U64(Out));
    }

    [Fact]
    public void PollOneoff_DeterministicTwice_SameEventsAndTimes()
    {
        static byte[] Run()
        {
            using var f = new HostFixture(new WasiOptions { DeterministicSeed = 3 });
            PutClock(f, In, userdata: 1, Clockid.Monotonic, timeout: 5 * Ms);
            PutClock(f, In + 48, userdata: 2, Clockid.Monotonic, timeout: 7 * Ms);
            f.Host.PollOneoff(f.View, In, Out, 2, Nevents);
            f.Host.PollOneoff(f.View, In, Out + 64, 2, Nevents + 4);
            f.Host.ClockTimeGet(f.View, (uint)Clockid.Monotonic, 0, 0);
            return f.Memory.Bytes;
        }

        Assert.Equal(Run(), Run());
    }

    private static void PutClock(HostFixture f, uint at, ulong userdata, Clockid id, ulong timeout, Subclockflags flags = Subclockflags.None)
    {
        var bytes = f.Memory.Bytes.AsSpan((int)at, 48);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, userdata);
        bytes[8] = (byte)Eventtype.Clock;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[16..], (uint)id);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[24..], timeout);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[32..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[40..], (ushort)flags);
        // Padding (9..15, 20..23, 42..47) keeps its '?' sentinels: the host must ignore it.
    }

    private static void PutFd(HostFixture f, uint at, ulong userdata, Eventtype type, uint fd)
    {
        var bytes = f.Memory.Bytes.AsSpan((int)at, 48);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, userdata);
        bytes[8] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[16..], fd);
    }

    /// <summary>A regular file of <c>size</c> bytes at <c>offset</c>.</summary>
    private sealed class FakeFile(ulong size, ulong offset) : WasiFd
    {
        public override Filetype Filetype => Filetype.RegularFile;

        public override Rights KindRights => FileRights.RegularFileBase;

        public override bool Pollable(bool write) => true;

        public override Errno FilestatGet(out Filestat stat)
        {
            stat = new Filestat(0, 0, Filetype.RegularFile, 1, size, 0, 0, 0);
            return Errno.Success;
        }

        public override Errno Seek(long delta, Whence whence, out ulong newOffset)
        {
            Assert.Equal((0L, Whence.Cur), (delta, whence));
            newOffset = offset;
            return Errno.Success;
        }
    }

    /// <summary>A stream descriptor that is not readable until a test sets <see cref="Available"/>.</summary>
    private sealed class FakeStream : WasiFd
    {
        private long _available;

        public long Available { get => Interlocked.Read(ref _available); set => Interlocked.Exchange(ref _available, value); }

        public override Filetype Filetype => Filetype.SocketStream;

        public override Rights KindRights => SocketFd.SocketRights;

        public override bool Pollable(bool write) => true;

        public override bool? ReadReady(out ulong bytesAvailable)
        {
            bytesAvailable = (ulong)Available;
            return bytesAvailable > 0;
        }
    }
}
