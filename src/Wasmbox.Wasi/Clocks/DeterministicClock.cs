using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Clocks;

/// <summary>
/// The clocks of <c>--deterministic</c>: one fake timeline that starts at a fixed instant and advances only by what the
/// guest does, so two runs with the same inputs see the same times.
/// </summary>
/// <remarks>
/// <para>The timeline is a count of elapsed nanoseconds, starting at 0. The clocks read it as:</para>
/// <list type="bullet">
/// <item><c>realtime</c>: <see cref="RealtimeStart"/> (2000-01-01T00:00:00Z) plus the elapsed time;</item>
/// <item><c>monotonic</c>, <c>process_cputime_id</c>, <c>thread_cputime_id</c>: the elapsed time itself.</item>
/// </list>
/// <para>It advances in two ways only: every <c>clock_time_get</c> moves it on by <see cref="Step"/> after reading it (so
/// the first reading is exactly the start, and a loop that waits for the clock to change terminates), and
/// <c>poll_oneoff</c> moves it to a clock subscription's wake-up time instead of sleeping.</para>
/// <para>Why 2000-01-01: a round, obviously fake date, after 1970 so no guest sees a negative or zero time, and well
/// inside every 32-bit <c>time_t</c>. Why a 1 µs step: small enough that measured durations look plausible, large
/// enough that a guest dividing by an elapsed time never divides by zero, and it is also the reported resolution.</para>
/// </remarks>
public sealed class DeterministicClock : WasiClock
{
    /// <summary>The realtime clock's first reading: 2000-01-01T00:00:00Z, in nanoseconds since the Unix epoch.</summary>
    public const ulong RealtimeStart = 946_684_800UL * 1_000_000_000UL;

    /// <summary>How far each <c>clock_time_get</c> moves the timeline (1 µs); also every clock's resolution.</summary>
    public const ulong Step = 1_000;

    /// <summary>Nanoseconds elapsed on the fake timeline.</summary>
    public ulong Elapsed { get; private set; }

    public override bool IsVirtual => true;

    public override ulong Resolution(Clockid id) => Step;

    public override ulong Now(Clockid id)
    {
        var value = Peek(id);
        Advance(Step);
        return value;
    }

    public override ulong Peek(Clockid id) => id switch
    {
        Clockid.Realtime => RealtimeStart + Elapsed,
        Clockid.Monotonic or Clockid.ProcessCputimeId or Clockid.ThreadCputimeId => Elapsed,
    };

    /// <summary>Jumps the timeline forward at once; <paramref name="cancel"/> is not consulted, as no real time passes.</summary>
    public override void Wait(ulong nanoseconds, CancellationToken cancel) => Advance(nanoseconds);

    // Saturates rather than wrapping: a guest asking to sleep until the end of time must not bring the clock back to 0.
    // The realtime reading is bounded too: RealtimeStart + Elapsed is kept below 2^64.
    private void Advance(ulong nanoseconds) => Elapsed += Math.Min(nanoseconds, MaxElapsed - Elapsed);

    private const ulong MaxElapsed = ulong.MaxValue - RealtimeStart;
}
