using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;

namespace Wasmbox.Supervisor.Table;

/// <summary>
/// The seam between the supervisor and whatever starts sandboxes (Wasmbox.Launch in the daemon, a fake in tests).
/// The supervisor never starts a process itself.
/// </summary>
public interface ISandboxStarter
{
    /// <summary>
    /// Starts one sandbox and returns at once; it must not block for the run's length. Throwing means the sandbox never
    /// started: the supervisor records it as <see cref="SandboxState.Failed"/> with the exception's message.
    /// </summary>
    IStartedSandbox Start(SandboxStartRequest request);
}

/// <summary>Everything needed to start one sandbox.</summary>
/// <param name="Id">The supervisor's id of the sandbox (for cgroup names, log lines).</param>
/// <param name="ModuleFile">The module in the module store (<c>&lt;sha&gt;.wasm</c> or <c>&lt;sha&gt;.wat</c>), already verified.</param>
/// <param name="Policy">The policy after the operator's ceilings were checked; grant host paths are their resolved real paths.</param>
/// <param name="Stdout">Write-only, backed by the log store; the starter may write from any thread, one writer per stream.</param>
/// <param name="Stderr">As <paramref name="Stdout"/>.</param>
/// <param name="Stdin">The guest's whole stdin, or null for an empty one (spawned sandboxes never inherit the daemon's).</param>
public sealed record SandboxStartRequest(
    string Id, string ModuleFile, string ModuleSha256, string Argv0, IReadOnlyList<string> Args, SandboxPolicy Policy,
    Stream Stdout, Stream Stderr, byte[]? Stdin)
{
    /// <summary>For the starter to call with each refusal the run's audit keeps, as it happens (the <c>refused</c> events);
    /// a starter that cannot tell leaves it, and the supervisor publishes them from the result at the run's end.</summary>
    public Action<Refusal>? Refused { get; init; }
}

/// <summary>A started sandbox.</summary>
public interface IStartedSandbox
{
    /// <summary>Completes when the sandbox has stopped, with its outcome. A fault is recorded as <see cref="SandboxState.Failed"/>.</summary>
    Task<RunResult> Completion { get; }

    /// <summary>Stops the sandbox; <see cref="Completion"/> then completes (normally with a killed outcome). Safe to call twice.</summary>
    void Kill();

    /// <summary>What runs it (tier, worker pid, cgroup), free text for <c>inspect</c>; null when there is nothing to say.</summary>
    string? WorkerInfo => null;

    /// <summary>Its use now (<c>wasmbox stats</c>); null when it cannot be read (no worker of its own, or it ended).</summary>
    LiveUsage? Sample() => null;

    /// <summary>Asks for the guest's own counters (memory, fuel, I/O, descriptors) and waits for them at most
    /// <paramref name="wait"/>; the next <see cref="Sample"/> carries them. Nothing to ask by default.</summary>
    Task RefreshAsync(TimeSpan wait, CancellationToken cancel) => Task.CompletedTask;
}
