using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Runtime;

/// <summary>One run of one module under one policy.</summary>
/// <param name="ModulePath">A <c>.wasm</c> file, or a <c>.wat</c> text file.</param>
/// <param name="Args">The guest's arguments after argv[0].</param>
/// <param name="Policy">What the guest may do and use.</param>
public sealed record RunRequest(string ModulePath, IReadOnlyList<string> Args, SandboxPolicy Policy)
{
    /// <summary>The guest's argv[0]; defaults to <see cref="ModulePath"/> as given, like the Wasmtime CLI.</summary>
    public string? Argv0 { get; init; }

    public GuestStdio Stdio { get; init; } = GuestStdio.Inherit;

    /// <summary>Where compiled modules are kept; null compiles every time.</summary>
    public ModuleCache? Cache { get; init; }

    public IWasiBinding Wasi { get; init; } = WasmboxWasi.Instance;

    /// <summary>
    /// A precompiled artifact to load instead of compiling <see cref="ModulePath"/> (the worker gets the parent's verified
    /// cache entry this way, read-only, and never writes the cache itself). Set with <see cref="ModuleSha256"/>.
    /// </summary>
    public string? PrecompiledArtifact { get; init; }

    /// <summary>The SHA-256 of the original module, for the report, when <see cref="PrecompiledArtifact"/> is set.</summary>
    public string? ModuleSha256 { get; init; }

    /// <summary>
    /// Listening sockets bound by someone else, in <c>--listen</c> order, used instead of binding the policy's addresses
    /// (a jailed worker has no network of its own: its parent binds and passes the descriptors). The run takes them over.
    /// </summary>
    public IReadOnlyList<System.Net.Sockets.Socket>? InheritedListeners { get; init; }

    /// <summary>
    /// Opens the host sockets the policy's <c>--allow-net</c> rules allow, and resolves names; null opens them in this
    /// process. A jailed worker gives an opener that asks its parent's broker (it has no network of its own).
    /// </summary>
    public Wasmbox.Wasi.Net.ISocketOpener? SocketOpener { get; init; }

    /// <summary>Test-only (<see cref="Wasmbox.Wasi.WasiOptions.SkipNetCheck"/>): the WASI host leaves every network decision to <see cref="SocketOpener"/>.</summary>
    public bool SkipNetCheck { get; init; }

    /// <summary>Called on the guest's thread just before its <c>_start</c> runs, after loading and instantiating (the worker tells its parent here, which arms its own hard deadline).</summary>
    public Action? BeforeStart { get; init; }

    /// <summary>
    /// When the sandbox started, as a <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> reading: the wall-clock
    /// limit counts from here. A worker sets it to its spawn as its parent measured it, so its start-up and a compile
    /// without cache count, as they do for the parent's own deadline. Null: from just before instantiation.
    /// </summary>
    public long? StartedAt { get; init; }

    /// <summary>
    /// Cancelled to stop the run (a kill from the caller): host calls that wait end at once, and a guest compiled with
    /// deadline checks stops at the next one; the outcome is <c>killed</c>. Wasm code without deadline checks cannot be
    /// stopped from another thread.
    /// </summary>
    public CancellationToken Stop { get; init; }

    /// <summary>
    /// How a guest still running at its time limit is stopped, which decides the engine it is compiled for (a precompiled
    /// artifact must have been compiled for the same). <see cref="TimeLimitStop.Unwind"/> by default: the caller's process
    /// outlives the guest.
    /// </summary>
    public TimeLimitStop TimeLimitStop { get; init; } = TimeLimitStop.Unwind;

    /// <summary>
    /// With <see cref="TimeLimitStop.EndProcess"/>: called on a watch thread when a time limit passes while the guest still
    /// runs, with the result as the watch knows it (outcome, wall and CPU time; no memory or fuel figures, which only the
    /// guest's thread may read). It reports the result and ends the process. It may return only when the run's own result
    /// was reported first.
    /// </summary>
    public Action<RunResult>? EndProcess { get; init; }

    /// <summary>Whose CPU time <c>--cpu-time</c> and the report measure: the guest's thread in-process, the whole worker in a worker.</summary>
    public Native.CpuScope CpuScope { get; init; } = Native.CpuScope.Thread;

    /// <summary>Told of each refusal the run's audit keeps (its first 256), as it happens, on the guest's thread: a worker
    /// passes them on at once. The run's result carries them all as well.</summary>
    public Action<Core.Outcomes.Refusal>? Refused { get; init; }

    /// <summary>Filled with a reader of the guest's counters while it runs (<c>wasmbox stats</c>); null when nobody asks.</summary>
    public LiveCounters? Live { get; init; }

    /// <summary>Receives every WASI call (<c>--trace</c>); only Wasmbox's own WASI host can trace.</summary>
    public Wasmbox.Wasi.Tracing.IWasiTraceSink? Trace { get; init; }
}
