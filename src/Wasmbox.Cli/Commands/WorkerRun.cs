using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Workers;
using Wasmbox.Runtime;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Cli.Commands;

/// <summary>
/// <c>wasmbox run</c> in the process and jail tiers: prepares what only the parent may do (the module's compiled form
/// through <see cref="ModulePreparation"/>, the listening sockets, the stdin file) and hands the rest to
/// <see cref="WorkerLauncher"/>.
/// </summary>
/// <remarks>
/// Why the parent fills the cache: the worker sees one verified entry read-only, so a compromised worker cannot plant
/// native code that a later run would load. The parent itself never compiles: a bounded compile worker does.
/// </remarks>
internal static class WorkerRun
{
    /// <summary>The tier to use: the policy's, or by default the jail where bubblewrap is installed, else a worker process.</summary>
    public static IsolationTier Choose(SandboxPolicy policy, Action<string> notice) => Choose(policy, notice, WorkerLauncher.JailInstalled);

    internal static IsolationTier Choose(SandboxPolicy policy, Action<string> notice, Func<bool> jailInstalled)
    {
        if (policy.Isolation is { } chosen) return chosen;
        if (jailInstalled()) return IsolationTier.Jail;
        notice(OperatingSystem.IsLinux()
            ? "bubblewrap or libseccomp is not installed, so this sandbox runs with --isolation process (no OS jail); apt-get install -y bubblewrap libseccomp2, or see wasmbox doctor"
            : "the jail needs Linux, so this sandbox runs with --isolation process (no OS jail)");
        return IsolationTier.Process;
    }

    public static RunResult Run(string modulePath, IReadOnlyList<string> args, SandboxPolicy policy, IsolationTier tier,
        ModuleCache? cache, bool trace, bool tierWasChosen, Action<string> notice, CancellationToken stop = default)
    {
        // The worker starts in / (and in the jail, the module is a bind mount), so it gets absolute paths only.
        var prepared = ModulePreparation.Prepare(modulePath, policy, tier, cache, compileWithoutCache: false, stop);
        if (prepared.Failure is { Outcome.Stage: SetupStage.Isolation } && tier == IsolationTier.Jail && !tierWasChosen)
        {
            // The jailed compile step could not start its jail: the same fallback as the run's own (see WorkerLauncher.Run).
            notice($"the jail could not start ({prepared.Failure.Outcome.Message}); running this sandbox with --isolation process instead");
            tier = IsolationTier.Process;
            tierWasChosen = true;
            prepared = ModulePreparation.Prepare(modulePath, policy, tier, cache, compileWithoutCache: false, stop);
        }
        if (prepared.Failure is { } failure) return failure;
        var (moduleFile, sha, precompiled) = (prepared.File, prepared.Sha256, prepared.Precompiled);

        List<System.Net.Sockets.Socket> listeners;
        try { listeners = WasmboxWasi.OpenListeners(policy.Listen); }
        catch (SetupException e) { return new RunResult(RunOutcome.SetupFailed(e.Stage, e.Message), ResourceUsage.Zero, NullIfEmpty(sha)); }

        Stream? stdin;
        try
        {
            stdin = policy.Stdin switch
            {
                StdinSource.Inherit => new Wasmbox.Wasi.Fs.HostFdStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), canRead: true, canWrite: false),
                StdinSource.FromFile f => File.OpenRead(f.Path),
                _ => null,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var l in listeners) l.Dispose();
            return new RunResult(RunOutcome.SetupFailed(SetupStage.Stdio, $"cannot open the stdin file: {e.Message}"), ResourceUsage.Zero, NullIfEmpty(sha));
        }

        using var stdout = Output(1);
        using var stderr = Output(2);
        using (stdin)
        {
            var job = new WorkerJob(modulePath, moduleFile, precompiled, sha, modulePath, args, policy, trace) { Listeners = listeners };
            return WorkerLauncher.Run(job, tier, new WorkerIo(stdin, stdout, stderr), tierWasChosen ? null : notice, stop);
        }
    }

    /// <summary>Our own fd 1 or 2, written with plain write(2) (see <see cref="Wasmbox.Wasi.Fs.HostFdStream"/>).</summary>
    private static Stream Output(int fd) =>
        new Wasmbox.Wasi.Fs.HostFdStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false), canRead: false, canWrite: true);

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
