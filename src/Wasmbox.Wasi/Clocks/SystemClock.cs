using System.Diagnostics;
using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Clocks;

/// <summary>
/// The host's clocks: realtime and monotonic from a <see cref="TimeProvider"/> (the system's by default), the CPU-time
/// clocks from the kernel (<see cref="CpuTime"/>).
/// </summary>
/// <remarks>
/// <para>Realtime is <see cref="TimeProvider.GetUtcNow"/> since the Unix epoch, at its 100 ns resolution.</para>
/// <para>Monotonic counts from the creation of this clock, not from the host's boot. Why: the spec leaves its epoch
/// undefined, and a raw <see cref="Stopwatch"/> timestamp would tell the guest how long the host has been up.</para>
/// </remarks>
public sealed class SystemClock : WasiClock
{
    private readonly TimeProvider _time;
    private readonly long _start;

    public SystemClock(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _start = _time.GetTimestamp();
    }

    public override bool IsVirtual => false;

    public override ulong Resolution(Clockid id) => id switch
    {
        Clockid.Realtime => TimeSpan.NanosecondsPerTick,
        // A timestamp tick, rounded up to whole nanoseconds (1 ns where the frequency is 1 GHz, as on Linux).
        Clockid.Monotonic => (ulong)Math.Max(1, (1_000_000_000L + _time.TimestampFrequency - 1) / _time.TimestampFrequency),
        Clockid.ProcessCputimeId => CpuTime.Resolution(thread: false),
        Clockid.ThreadCputimeId => CpuTime.Resolution(thread: true),
    };

    public override ulong Now(Clockid id) => id switch
    {
        Clockid.Realtime => Realtime(),
        Clockid.Monotonic => Monotonic(),
        Clockid.ProcessCputimeId => CpuTime.Process(),
        Clockid.ThreadCputimeId => CpuTime.Thread(),
    };

    /// <summary>Sleeps for at least <paramref name="nanoseconds"/> (rounded up to whole milliseconds, the granularity of a timed wait).</summary>
    public override void Wait(ulong nanoseconds, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        if (nanoseconds == 0)
        {
            Thread.Yield();
            return;
        }
        // Rounded up so that a sub-millisecond wait does not become a busy loop of zero-length sleeps; capped because a
        // timed wait takes at most int.MaxValue ms (the caller loops and re-reads the clock anyway).
        var ms = Math.Min((nanoseconds + 999_999) / 1_000_000, (ulong)int.MaxValue - 1);
        var span = TimeSpan.FromMilliseconds(ms);
        if (_time == TimeProvider.System)
        {
            if (cancel.CanBeCanceled) cancel.WaitHandle.WaitOne(span);
            else Thread.Sleep(span);
        }
        else
        {
            // A test's fake TimeProvider decides when this delay completes.
            try { Task.Delay(span, _time, cancel).Wait(CancellationToken.None); }
            catch (AggregateException e) when (e.InnerException is OperationCanceledException) { }
        }
        cancel.ThrowIfCancellationRequested();
    }

    private ulong Realtime()
    {
        var ticks = (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks;
        return ticks <= 0 ? 0 : (ulong)ticks * TimeSpan.NanosecondsPerTick;
    }

    private ulong Monotonic()
    {
        var elapsed = (ulong)(_time.GetTimestamp() - _start);
        var frequency = (ulong)_time.TimestampFrequency;
        return frequency == 1_000_000_000 ? elapsed : (ulong)((UInt128)elapsed * 1_000_000_000 / frequency);
    }
}
