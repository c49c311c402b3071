using Microsoft.Win32.SafeHandles;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Workers;
using Wasmbox.Launch.Modules;
using Wasmbox.Runtime;
using Wasmbox.Runtime.Wasi;
using Wasmbox.Wasi.Fs;

namespace Wasmbox.Launch.Tiers;

/// <summary>
/// The process and jail tiers: prepares what only the parent may do (the module's compiled form through
/// <see cref="ModulePreparation"/>, the listening sockets, the stdin source, the output streams) and hands the rest to
/// <see cref="WorkerLauncher"/>.
/// </summary>
/// <remarks>
/// Why the parent fills the cache: the worker sees one verified entry read-only, so a compromised worker cannot plant
/// native code that a later run would load. The parent itself never compiles: a bounded compile worker does.
/// </remarks>
internal static class WorkerTier
{
    /// <param name="tierWasChosen">False when <paramref name="tier"/> is the jail only because it is the default: then a
    /// host that refuses bubblewrap its namespaces makes the run fall back to the process tier, with a notice.</param>
    /// <param name="started">Told the worker once it runs, for live samples (<see cref="SandboxHandle.Sample"/>).</param>
    public static RunResult Run(LaunchRequest request, IsolationTier tier, bool tierWasChosen, CancellationToken stop,
        Action<LiveWorker>? started = null)
    {
        var (modulePath, policy) = (request.ModulePath, request.Policy);
        var notice = request.Notice ?? (_ => { });
        // The worker starts in / (and in the jail, the module is a bind mount), so it gets absolute paths only.
        var prepared = ModulePreparation.Prepare(modulePath, policy, tier, request.Cache, stop);
        if (prepared.Failure is { Outcome.Stage: SetupStage.Isolation } && tier == IsolationTier.Jail && !tierWasChosen)
        {
            // The jailed compile step could not start its jail: the same fallback as the run's own (see WorkerLauncher.Run).
            notice($"the jail could not start ({prepared.Failure.Outcome.Message}); running this sandbox with --isolation process instead");
            tier = IsolationTier.Process;
            tierWasChosen = true;
            prepared = ModulePreparation.Prepare(modulePath, policy, tier, request.Cache, stop);
        }
        if (prepared.Failure is { } failure) return failure;
        try { return Launch(request, tier, tierWasChosen, prepared, notice, stop, started); }
        finally { ModulePreparation.Discard(prepared); }
    }

    /// <summary>Opens what the worker inherits (listeners, stdin, outputs) and runs it on the prepared module.</summary>
    private static RunResult Launch(LaunchRequest request, IsolationTier tier, bool tierWasChosen, ModulePreparation.Prepared prepared,
        Action<string> notice, CancellationToken stop, Action<LiveWorker>? started)
    {
        var (modulePath, policy) = (request.ModulePath, request.Policy);
        var sha = prepared.Sha256;

        List<System.Net.Sockets.Socket> listeners;
        try { listeners = WasmboxWasi.OpenListeners(policy.Listen); }
        catch (SetupException e) { return new RunResult(RunOutcome.SetupFailed(e.Stage, e.Message), ResourceUsage.Zero, NullIfEmpty(sha)); }

        Stream? stdin;
        try
        {
            stdin = policy.Stdin switch
            {
                StdinSource.Inherit => new HostFdStream(new SafeFileHandle(0, ownsHandle: false), canRead: true, canWrite: false),
                StdinSource.FromFile f => File.OpenRead(f.Path),
                _ => null,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var l in listeners) l.Dispose();
            return new RunResult(RunOutcome.SetupFailed(SetupStage.Stdio, $"cannot open the stdin file: {e.Message}"), ResourceUsage.Zero, NullIfEmpty(sha));
        }

        (WorkerOutput Output, IDisposable? Owned) stdout = default, stderr = default;
        try
        {
            stdout = Outputs.ForWorker(request.Stdout, 1);
            stderr = Outputs.ForWorker(request.Stderr, 2);
            var job = new WorkerJob(modulePath, prepared.File, prepared.Precompiled, sha, request.Argv0 ?? modulePath, request.Args, policy, request.Trace)
            {
                Listeners = listeners,
                EpochChecks = Runtime.Engines.EngineSettings.For(policy, Runtime.Engines.TimeLimitStops.In(tier)).Epoch,
                Started = started,
                Pool = request.Pool,
                Refused = request.Refused,
            };
            return WorkerLauncher.Run(job, tier, new WorkerIo(stdin, stdout.Output, stderr.Output), tierWasChosen ? null : notice, stop);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var l in listeners) l.Dispose();
            return new RunResult(RunOutcome.SetupFailed(SetupStage.Stdio, $"cannot open the guest's output: {e.Message}"), ResourceUsage.Zero, NullIfEmpty(sha));
        }
        finally
        {
            stdin?.Dispose();
            stdout.Owned?.Dispose();
            stderr.Owned?.Dispose();
        }
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
