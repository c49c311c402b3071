using System.Net.Sockets;
using Wasmbox.Core.Policy;

namespace Wasmbox.Jail.Workers;

/// <summary>One sandbox to run in a worker process.</summary>
/// <param name="ModulePath">The module as the user named it; failure messages use this name.</param>
/// <param name="ModuleFile">The file the worker loads: a verified cache artifact when <paramref name="Precompiled"/>, else the module itself.</param>
/// <param name="ModuleSha256">SHA-256 of the module (not of the artifact), for the report; may be empty when not precompiled.</param>
/// <param name="Argv0">The guest's argv[0].</param>
/// <param name="Args">The guest's arguments after argv[0].</param>
/// <param name="Policy">What the guest may do and use; its grants are re-rooted for the jail by the launcher.</param>
/// <param name="Trace">Send one line per WASI call to <see cref="WorkerIo.Stderr"/>.</param>
public sealed record WorkerJob(
    string ModulePath,
    string ModuleFile,
    bool Precompiled,
    string ModuleSha256,
    string Argv0,
    IReadOnlyList<string> Args,
    SandboxPolicy Policy,
    bool Trace)
{
    /// <summary>Listening sockets bound by the caller for <c>Policy.Listen</c>, in order; passed to the worker as descriptors. The launcher disposes them.</summary>
    public IReadOnlyList<Socket> Listeners { get; init; } = [];

    /// <summary>Whether <see cref="ModuleFile"/> was compiled with epoch checks (<c>EngineSettings.Epoch</c>); the worker
    /// makes the same engine. False in the worker tiers, whose worker ends its own process at a time limit.</summary>
    public bool EpochChecks { get; init; }

    /// <summary>Told the worker once it is spawned, so the caller can sample its use while it runs (<c>wasmbox stats</c>).</summary>
    public Action<LiveWorker>? Started { get; init; }

    /// <summary>Where a jailed run may take a pre-started worker from, when the job fits the pool's key; null starts its own.</summary>
    public WorkerPool? Pool { get; init; }

    /// <summary>Told of each refusal the worker reports as it happens (its audit's kept ones, at most
    /// <see cref="Core.Outcomes.RefusalAudit.MaxKept"/>), on the thread that reads the worker's frames.</summary>
    public Action<Core.Outcomes.Refusal>? Refused { get; init; }
}

/// <summary>The guest's stdio as the parent sees it. The launcher never closes these.</summary>
/// <param name="Stdin">
/// What the guest reads on fd 0, pumped to the worker by a thread of its own; null for end of file at once. A read cannot
/// be interrupted, so that thread may still wait on this stream after the run has ended, until the stream ends or closes.
/// </param>
/// <param name="Stdout">Where the guest's fd 1 goes (see <see cref="WorkerOutput"/>).</param>
/// <param name="Stderr">Where the guest's fd 2 goes.</param>
public sealed record WorkerIo(Stream? Stdin, WorkerOutput Stdout, WorkerOutput Stderr)
{
    /// <summary>Output into streams of this process (a capture): drained from pipes.</summary>
    public WorkerIo(Stream? stdin, Stream stdout, Stream stderr)
        : this(stdin, new WorkerOutput.ToStream(stdout), new WorkerOutput.ToStream(stderr))
    {
    }
}
