using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Workers;
using Wasmbox.Runtime;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Modules;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Cli.Commands;

/// <summary>
/// <c>wasmbox run</c> in the process and jail tiers: prepares what only the parent may do (fill the module cache, bind
/// the listening sockets, open the stdin file) and hands the rest to <see cref="WorkerLauncher"/>.
/// </summary>
/// <remarks>
/// Why the parent compiles: the worker sees the cache entry read-only, so a compromised worker cannot plant native
/// code that a later run would load. On a cache hit the parent never creates a Wasmtime engine (about 10 ms).
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
        ModuleCache? cache, bool trace, bool tierWasChosen, Action<string> notice)
    {
        // The worker starts in / (and in the jail, the module is a bind mount), so it gets absolute paths only.
        string moduleFile = Path.GetFullPath(modulePath), sha = "";
        var precompiled = false;
        if (cache is not null)
        {
            try
            {
                var prepared = ModuleLoader.Prepare(modulePath, EngineSettings.For(policy), cache);
                (moduleFile, sha, precompiled) = (prepared.ArtifactPath, prepared.Sha256, true);
            }
            catch (SetupException e)
            {
                return new RunResult(RunOutcome.SetupFailed(e.Stage, e.Message), ResourceUsage.Zero, null);
            }
        }
        else if (!File.Exists(modulePath))
        {
            return new RunResult(RunOutcome.SetupFailed(SetupStage.ReadModule,
                $"cannot read module {modulePath}: {(Directory.Exists(modulePath) ? "it is a directory" : "no such file")}; pass the path of a .wasm file"), ResourceUsage.Zero, null);
        }

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
            return WorkerLauncher.Run(job, tier, new WorkerIo(stdin, stdout, stderr), tierWasChosen ? null : notice);
        }
    }

    /// <summary>Our own fd 1 or 2, written with plain write(2) (see <see cref="Wasmbox.Wasi.Fs.HostFdStream"/>).</summary>
    private static Stream Output(int fd) =>
        new Wasmbox.Wasi.Fs.HostFdStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false), canRead: false, canWrite: true);

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
