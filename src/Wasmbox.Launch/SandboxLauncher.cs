using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Launch.Tiers;

namespace Wasmbox.Launch;

/// <summary>
/// The one way to start a sandbox, in any tier: <c>wasmbox run</c>, the daemon and library users all come through here.
/// </summary>
/// <example>
/// A jailed sandbox from C#, its output captured:
/// <code>
/// var policy = SandboxPolicy.DenyAll with { Limits = new SandboxLimits(64L &lt;&lt; 20, null, TimeSpan.FromSeconds(5)) };
/// var output = new MemoryStream();
/// using var sandbox = SandboxLauncher.Start(new LaunchRequest("hello.wasm", [], policy) { Stdout = new OutputTarget.ToStream(output) });
/// RunResult result = sandbox.Wait();   // or await sandbox.Completion; sandbox.Kill() stops it
/// </code>
/// </example>
public static class SandboxLauncher
{
    /// <summary>
    /// Starts the sandbox on a thread of its own and returns at once. Nothing here throws for anything the module, the
    /// policy or the host does: a sandbox that cannot start completes with a <see cref="OutcomeKind.SetupFailed"/> result.
    /// </summary>
    public static SandboxHandle Start(LaunchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tier = TierChoice.For(request.Policy, request.Notice ?? (_ => { }));
        var handle = new SandboxHandle(tier);
        var thread = new Thread(() => handle.Finish(RunSafely(request, tier, handle.StopToken, handle.Attach)))
        {
            IsBackground = true,
            Name = "wasmbox-sandbox",
        };
        thread.Start();
        return handle;
    }

    /// <summary>Starts the sandbox and waits for it on the calling thread (the foreground <c>wasmbox run</c>).</summary>
    public static RunResult Run(LaunchRequest request, CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tier = TierChoice.For(request.Policy, request.Notice ?? (_ => { }));
        return RunSafely(request, tier, stop);
    }

    private static RunResult RunSafely(LaunchRequest request, IsolationTier tier, CancellationToken stop, Action<Jail.Workers.LiveWorker>? started = null)
    {
        try
        {
            return tier == IsolationTier.None
                ? InProcessTier.Run(request, stop)
                : WorkerTier.Run(request, tier, tierWasChosen: request.Policy.Isolation is not null, stop, started);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A Wasmbox bug, not the guest's doing: the caller still gets a result, never an exception from a thread.
            return new RunResult(RunOutcome.SetupFailed(SetupStage.Isolation, $"internal error: {e.GetType().Name}: {e.Message}; please report it"), ResourceUsage.Zero, null);
        }
    }
}
