using Wasmbox.Wasi.Clocks;
using Wasmbox.Wasi.Randomness;

namespace Wasmbox.Wasi;

// The context's clocks, random source and interrupt: what clock_*, random_get and poll_oneoff use.
public sealed partial class WasiContext
{
    private WasiClock? _clock;
    private WasiRandom? _random;

    /// <summary>
    /// The guest's clocks. By default the host's (<see cref="SystemClock"/>), or, when
    /// <see cref="WasiOptions.DeterministicSeed"/> is set, a <see cref="DeterministicClock"/> that starts at a fixed
    /// instant and moves only with the guest's own calls. An embedder or a test may set its own.
    /// </summary>
    /// <remarks>Created on first use, so a guest that never asks for the time costs nothing.</remarks>
    public WasiClock Clock
    {
        get => _clock ??= Options.DeterministicSeed is null ? new SystemClock() : new DeterministicClock();
        init => _clock = value;
    }

    /// <summary>
    /// The source of <c>random_get</c>: the operating system's CSPRNG by default, or, when
    /// <see cref="WasiOptions.DeterministicSeed"/> is set, a <see cref="SeededRandom"/> stream from that seed.
    /// </summary>
    public WasiRandom Random
    {
        get => _random ??= Options.DeterministicSeed is { } seed ? new SeededRandom(seed) : SystemRandom.Instance;
        init => _random = value;
    }

    /// <summary>
    /// Cancels calls that block or run long on the host side (<c>poll_oneoff</c>; a read, write, accept or receive
    /// waiting for its host descriptor; a chunked copy such as a large <c>random_get</c>): the call throws
    /// <see cref="OperationCanceledException"/> and the guest unwinds (see <see cref="Fs.Blocking"/>).
    /// </summary>
    /// <remarks>
    /// Why: the engine's epoch deadline interrupts only wasm code, never a host function that sleeps, so a guest that
    /// polls with an hour-long timeout would outlive <c>--timeout</c> unless the runner cancels this token when the
    /// deadline passes.
    /// </remarks>
    public CancellationToken Interrupt
    {
        get => Fds.Interrupt;
        set => Fds.Interrupt = value;
    }
}
