using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Host;

/// <summary>
/// The waiting half of <c>poll_oneoff</c>: given decoded subscriptions, returns the events that occurred, blocking until
/// at least one did.
/// </summary>
/// <remarks>
/// <para><b>Overview.</b> Each subscription is one of:</para>
/// <list type="bullet">
/// <item>a clock on <c>realtime</c> or <c>monotonic</c>: its deadline is fixed on entry (absolute, or the clock's
/// current time plus the timeout) and it fires once the clock reads at least that;</item>
/// <item>a clock on a CPU-time clock: an immediate event with <see cref="Errno.Inval"/>. Why: the guest's CPU time does
/// not advance while it waits here, so the timeout could never fire; Linux's <c>clock_nanosleep</c> refuses the thread
/// CPU clock with EINVAL for the same reason, and Wasmtime refuses both;</item>
/// <item>fd_read/fd_write on a descriptor (one that is open and can wait that way: <see cref="WasiHost.PollOneoff"/>
/// refuses the whole call otherwise): an immediate event with <see cref="Errno.Notcapable"/> without the
/// <c>poll_fd_readwrite</c> right; otherwise ready when <see cref="FdReady"/> says so.</item>
/// </list>
/// <para>Then it loops: collect every subscription that has an event now; if any, return them all (in subscription
/// order). Otherwise wait and look again. With only clocks pending, the wait is exactly until the earliest deadline (in
/// slices of at most a second, so a jump of the realtime clock is noticed). With a descriptor pending, it polls: short
/// real sleeps, 1 ms doubling to 16 ms, never past the earliest deadline. Why polling rather than a kernel wait: the
/// descriptors are not all kernel objects (stdio may be any .NET stream), and <see cref="WasiFd.ReadReady"/> is the one
/// question every kind can answer.</para>
/// <para><b>Deterministic mode.</b> On a virtual clock (<see cref="Clocks.WasiClock.IsVirtual"/>) no real time passes
/// for a clock: when nothing is ready, the clock jumps to the earliest deadline and that subscription fires at once,
/// even if a descriptor would have become ready a moment later. Only a poll with descriptors and no clock at all waits
/// in real time, as there is nothing else it could return.</para>
/// <para>Every wait observes <see cref="WasiContext.Interrupt"/>.</para>
/// </remarks>
internal sealed class Poller(WasiContext context)
{
    private const ulong NanosPerMilli = 1_000_000;
    private const ulong MaxClockSlice = 1_000 * NanosPerMilli;
    private const ulong FirstFdSlice = NanosPerMilli;
    private const ulong MaxFdSlice = 16 * NanosPerMilli;

    /// <summary>
    /// Waits for <paramref name="subscriptions"/> and adds the events that occurred to <paramref name="events"/> (at least
    /// one). Returns <see cref="Errno.Overflow"/> when a relative timeout added to its clock's time passes 2^64 − 1 ns.
    /// </summary>
    /// <exception cref="OperationCanceledException"><see cref="WasiContext.Interrupt"/> fired while waiting.</exception>
    public Errno Wait(ReadOnlySpan<Subscription> subscriptions, List<Event> events)
    {
        var clock = context.Clock;
        var deadlines = new ulong[subscriptions.Length];
        for (var i = 0; i < subscriptions.Length; i++)
        {
            var s = subscriptions[i];
            if (s.Type != Eventtype.Clock || !IsWaitable(s.ClockId)) continue;
            if (s.Flags.HasFlag(Subclockflags.SubscriptionClockAbstime))
            {
                deadlines[i] = s.Timeout;
                continue;
            }
            var now = clock.Peek(s.ClockId);
            if (now > ulong.MaxValue - s.Timeout) return Errno.Overflow;
            deadlines[i] = now + s.Timeout;
        }

        var fdSlice = FirstFdSlice;
        while (true)
        {
            var earliest = ulong.MaxValue;
            var fdPending = false;
            for (var i = 0; i < subscriptions.Length; i++)
            {
                var s = subscriptions[i];
                if (s.Type == Eventtype.Clock)
                {
                    if (!IsWaitable(s.ClockId))
                    {
                        events.Add(new Event(s.Userdata, Errno.Inval, Eventtype.Clock));
                        continue;
                    }
                    var now = clock.Peek(s.ClockId);
                    if (now >= deadlines[i]) events.Add(new Event(s.Userdata, Errno.Success, Eventtype.Clock));
                    else earliest = Math.Min(earliest, deadlines[i] - now);
                }
                else if (FdReady(s) is { } ready) events.Add(ready);
                else fdPending = true;
            }
            if (events.Count > 0) return Errno.Success;

            var cancel = context.Interrupt;
            if (earliest != ulong.MaxValue && (!fdPending || clock.IsVirtual))
            {
                clock.Wait(clock.IsVirtual ? earliest : Math.Min(earliest, MaxClockSlice), cancel);
            }
            else
            {
                // A descriptor is pending: real time must pass for the world outside to change, whatever the clock.
                SleepReal(Math.Min(earliest, fdSlice), cancel);
                fdSlice = Math.Min(fdSlice * 2, MaxFdSlice);
            }
        }
    }

    /// <summary>Whether a clock subscription can be waited for: realtime and monotonic can, the CPU-time clocks cannot (see the overview).</summary>
    private static bool IsWaitable(Clockid id) => id is Clockid.Realtime or Clockid.Monotonic;

    /// <summary>
    /// The event of an fd_read/fd_write subscription if it has one now, else null (not ready yet).
    /// </summary>
    /// <remarks>
    /// Regular files and directories are always ready, as the spec says for regular files and POSIX poll does for both;
    /// for a regular file being read, <c>nbytes</c> is the size left past the current offset (0 when that cannot be
    /// told). Other descriptors are asked <see cref="WasiFd.ReadReady"/> for reads (no answer counts as ready, with
    /// <c>nbytes</c> 0). Writes are ready with <c>nbytes</c> 0 unless the descriptor says it is not
    /// (<see cref="WasiFd.WriteReady"/>: a socket still connecting, or with a full send buffer); files and streams write
    /// synchronously, so their writes never wait for capacity.
    /// </remarks>
    private Event? FdReady(Subscription s)
    {
        var fd = s.Fd <= int.MaxValue ? context.Fds.Get((int)s.Fd) : null;
        if (fd is null) return new Event(s.Userdata, Errno.Badf, s.Type);
        if (!fd.RightsBase.HasFlag(Rights.PollFdReadwrite)) return new Event(s.Userdata, Errno.Notcapable, s.Type);
        if (s.Type == Eventtype.FdWrite) return fd.WriteReady() == false ? null : new Event(s.Userdata, Errno.Success, s.Type);
        switch (fd.Filetype)
        {
            case Filetype.RegularFile:
                return new Event(s.Userdata, Errno.Success, s.Type, BytesLeft(fd));
            case Filetype.Directory:
                return new Event(s.Userdata, Errno.Success, s.Type);
            default:
                return fd.ReadReady(out var available) switch
                {
                    null => new Event(s.Userdata, Errno.Success, s.Type),
                    true => new Event(s.Userdata, Errno.Success, s.Type, available),
                    false => null,
                };
        }
    }

    /// <summary>Bytes between a regular file's offset and its end: one fstat and one lseek, or 0 if either fails.</summary>
    private static ulong BytesLeft(WasiFd fd)
    {
        if (fd.FilestatGet(out var stat) != Errno.Success) return 0;
        if (fd.Seek(0, Whence.Cur, out var offset) != Errno.Success) return 0;
        return stat.Size > offset ? stat.Size - offset : 0;
    }

    private static void SleepReal(ulong nanoseconds, CancellationToken cancel)
    {
        var span = TimeSpan.FromMilliseconds(Math.Max(1, nanoseconds / NanosPerMilli));
        if (cancel.CanBeCanceled) cancel.WaitHandle.WaitOne(span);
        else Thread.Sleep(span);
        cancel.ThrowIfCancellationRequested();
    }
}
