using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Launch;

/// <summary>One sandbox to start: the module, its arguments, its policy, and where its output goes.</summary>
/// <param name="ModulePath">A <c>.wasm</c> or <c>.wat</c> file on this host.</param>
/// <param name="Args">The guest's arguments after argv[0].</param>
/// <param name="Policy">What the guest may do and use. Its <see cref="SandboxPolicy.Isolation"/> picks the tier; null
/// means the strongest this host offers (the jail where bubblewrap works, else a worker process, with a notice). Its
/// <see cref="SandboxPolicy.Stdin"/> says what the guest reads.</param>
public sealed record LaunchRequest(string ModulePath, IReadOnlyList<string> Args, SandboxPolicy Policy)
{
    /// <summary>The guest's argv[0]; defaults to <see cref="ModulePath"/> as given, like the Wasmtime CLI.</summary>
    public string? Argv0 { get; init; }

    /// <summary>Where compiled modules are kept; null compiles every time (in a bounded compile worker or the run's own).</summary>
    public ModuleCache? Cache { get; init; }

    /// <summary>The guest's stdout: this process's fd 1 by default, a file, or a stream the caller owns.</summary>
    public OutputTarget Stdout { get; init; } = new OutputTarget.Inherit();

    /// <summary>The guest's stderr, as <see cref="Stdout"/>; trace lines and wasmbox's own notices never go here.</summary>
    public OutputTarget Stderr { get; init; } = new OutputTarget.Inherit();

    /// <summary>One line per WASI call, written to the guest's stderr target (<c>--trace</c>).</summary>
    public bool Trace { get; init; }

    /// <summary>The WASI implementation; only the in-process tier can use another than Wasmbox's own (the differential tests' reference).</summary>
    public IWasiBinding Wasi { get; init; } = WasmboxWasi.Instance;

    /// <summary>
    /// Only for tier none in a process that exists for this one run (<c>wasmbox run --isolation none</c>): when set, the
    /// module is compiled without epoch checks, and a time limit ends the process through this (it must report the result
    /// and exit) instead of unwinding the guest; see <c>TimeLimitStop.EndProcess</c>. The worker tiers always end their
    /// worker; a caller that outlives its runs (the daemon, a library user) leaves this null.
    /// </summary>
    public Action<RunResult>? EndProcess { get; init; }

    /// <summary>
    /// Pre-started jailed workers (the daemon's <c>--pool</c>): a jailed sandbox that fits the pool's key
    /// (<see cref="Jail.Workers.WorkerPoolKey"/>) takes one instead of starting its own, with the same jail. Null: every
    /// sandbox starts its own worker.
    /// </summary>
    public Jail.Workers.WorkerPool? Pool { get; init; }

    /// <summary>
    /// Told of each refusal the run's audit keeps (its first 256), as it happens, in every tier: on the guest's thread
    /// in tier none, on the thread that reads the worker's frames in the others. The result carries them all again.
    /// </summary>
    public Action<Core.Outcomes.Refusal>? Refused { get; init; }

    /// <summary>Told, in one line, when the tier had to fall back (no bubblewrap, a host that refuses namespaces).</summary>
    public Action<string>? Notice { get; init; }
}
