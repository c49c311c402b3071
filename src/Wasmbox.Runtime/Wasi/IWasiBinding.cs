using Wasmbox.Core.Policy;
using Wasmtime;

namespace Wasmbox.Runtime.Wasi;

/// <summary>Everything a WASI implementation needs to set up one guest.</summary>
/// <param name="Argv">The guest's whole argv, argv[0] included.</param>
public sealed record WasiContextSpec(IReadOnlyList<string> Argv, SandboxPolicy Policy, GuestStdio Stdio)
{
    /// <summary>Receives every WASI call, when the binding can trace (Wasmbox's own host can; Wasmtime's built-in one cannot).</summary>
    public Wasmbox.Wasi.Tracing.IWasiTraceSink? Trace { get; init; }

    /// <summary>
    /// Cancelled when the run's wall-clock limit passes. The epoch deadline stops wasm code, but not a host call that is
    /// waiting (poll_oneoff, a blocking read); the host watches this token so such a wait ends on time too.
    /// </summary>
    public CancellationToken Interrupt { get; init; }

    /// <summary>Listening sockets bound by the caller, used instead of binding <c>Policy.Listen</c> (see <c>RunRequest.InheritedListeners</c>).</summary>
    public IReadOnlyList<System.Net.Sockets.Socket>? InheritedListeners { get; init; }

    /// <summary>Opens the guest's sockets (<c>RunRequest.SocketOpener</c>); null opens them in this process.</summary>
    public Wasmbox.Wasi.Net.ISocketOpener? SocketOpener { get; init; }

    /// <summary>Test-only: the WASI host leaves network decisions to <see cref="SocketOpener"/> (<c>RunRequest.SkipNetCheck</c>).</summary>
    public bool SkipNetCheck { get; init; }
}

/// <summary>
/// The seam between the runner and a WASI preview1 implementation. Today the only one is Wasmtime's built-in WASI
/// (<see cref="WasmtimeBuiltinWasi"/>); Wasmbox's own policy-checked host replaces it behind this interface, and the
/// built-in one then stays as the reference in differential tests.
/// </summary>
public interface IWasiBinding
{
    /// <summary>Defines the <c>wasi_snapshot_preview1</c> imports in a linker. Called once per linker, which is shared by runs.</summary>
    void Define(Linker linker);

    /// <summary>Gives one store its WASI context: args, env, preopens, stdio, all from the policy and nothing else.</summary>
    /// <returns>The guest's WASI session: disposed when the run is over (open files, sockets), asked which quotas it hit.</returns>
    /// <exception cref="SetupException">A grant or stdio target cannot be opened.</exception>
    IWasiSession Configure(Store store, WasiContextSpec spec);
}

/// <summary>One guest's WASI state for the length of a run.</summary>
public interface IWasiSession : IDisposable
{
    /// <summary>The quotas counted by the WASI host that refused something (open files, disk writes, output).</summary>
    IReadOnlyList<Core.Outcomes.LimitKind> LimitsHit { get; }

    /// <summary>The calls the policy refused (none for a WASI that cannot tell).</summary>
    Core.Outcomes.RefusalAudit Refusals => Core.Outcomes.RefusalAudit.None;

    /// <summary>What the guest's sockets did; null when the policy gave no network, or for a WASI that cannot tell.</summary>
    Core.Outcomes.NetUsage? Net => null;

    /// <summary>
    /// What the guest read and wrote so far; null for a WASI that cannot tell. Readable from another thread while the
    /// guest runs (plain counters: a value may be one call old).
    /// </summary>
    Core.Outcomes.GuestIo? Io => null;

    /// <summary>The guest's open descriptors now (0 for a WASI that cannot tell); readable from another thread.</summary>
    int OpenFds => 0;

    /// <summary>The size of the guest's memory at its latest WASI call (0 before its first); readable from another thread.</summary>
    long MemoryBytesSeen => 0;

    /// <summary>Has <paramref name="kept"/> told of each refusal the audit keeps, as it happens (nothing for a WASI that cannot tell).</summary>
    void OnRefusal(Action<Core.Outcomes.Refusal> kept) { }
}
