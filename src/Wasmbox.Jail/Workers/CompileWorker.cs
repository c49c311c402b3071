using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Core.Units;
using Wasmbox.Jail.Bubblewrap;
using Wasmbox.Jail.Cgroups;
using Wasmbox.Jail.Limits;

namespace Wasmbox.Jail.Workers;

/// <summary>
/// Compiles an untrusted module in a worker process of its own (<c>wasmbox-worker --compile</c>), bounded in time and
/// memory, and returns the engine's artifact. Never in the caller's process: a module crafted to make the compiler work
/// (100,000 empty functions, one huge function, deep nesting) costs a killable process, not wasmbox or the daemon.
/// </summary>
/// <remarks>
/// <para>At <see cref="CompileSite.Jail"/> the worker runs in the same jail as a run (bubblewrap, seccomp, no network,
/// only /usr, the worker and the one module file), at <see cref="CompileSite.Host"/> without bubblewrap. Both get a
/// cgroup with the compile memory limit where the host offers one, and the launch script's rlimits. The parent kills
/// the cgroup (or the process) at the wall-clock limit.</para>
/// <para>The artifact comes back on the worker's stdout, never through a file the worker could have made a link: the
/// parent reads at most the memory limit's worth, then authenticates it into the cache (<see cref="ModuleCache"/>).</para>
/// </remarks>
public static class CompileWorker
{
    /// <summary>The compile worker's exit status when the module itself is at fault (invalid, too large); its stderr says why.</summary>
    public const int ModuleRejectedStatus = 65;

    /// <summary>What the engine must compile in; the worker makes the same engine a run with these settings uses.</summary>
    public sealed record EngineFlags(bool Fuel, bool Epoch);

    /// <summary>The artifact, or why there is none (a setup failure of stage compile, with the limit hit if one was).</summary>
    public sealed record Result(byte[]? Artifact, RunOutcome? Failure, LimitKind? LimitHit);

    /// <param name="moduleFile">The module on the host, absolute.</param>
    /// <param name="displayPath">The module as the user named it, for messages.</param>
    /// <param name="stop">Cancelled when the caller must stop (wasmbox got SIGTERM): the compile worker is killed.</param>
    public static Result Compile(string moduleFile, string displayPath, EngineFlags engine, CompileSite site, CompileLimits limits,
        CancellationToken stop = default)
    {
        try
        {
            return Run(moduleFile, displayPath, engine, site, limits, stop);
        }
        catch (JailSetupException e)
        {
            return Failed(e.Message, null);
        }
    }

    private static Result Run(string moduleFile, string displayPath, EngineFlags engine, CompileSite site, CompileLimits limits, CancellationToken stop)
    {
        if (stop.IsCancellationRequested) return new Result(null, RunOutcome.Killed("stopped before it started"), null);
        var found = WorkerBinary.Find();
        var jailed = site == CompileSite.Jail;
        var moduleInJail = $"{JailLayout.ModuleDir}/module{Path.GetExtension(moduleFile)}";
        string[] tail = ["--compile", engine.Fuel ? "fuel" : "nofuel", engine.Epoch ? "epoch" : "noepoch", jailed ? moduleInJail : moduleFile];
        var command = jailed ? [.. found.JailCommand, .. tail] : found.HostCommand.Concat(tail).ToList();
        var name = $"{Environment.ProcessId}-compile-{Interlocked.Increment(ref _sequence)}";
        using var plan = Contain.Prepare(new Contain.Confinement(moduleFile, moduleInJail, [], CgroupLimits.ForCompile(limits),
            ProcessRlimits.ForCompile(limits), command, Jailed: jailed), found, WorkerLauncher.Bubblewrap, name);

        using var process = WorkerLauncher.Spawn(plan.Argv, plan.Inherited, found.Environment);
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var killedForTime = 0;
        var killedForSize = false;
        void Kill() => WorkerLauncher.KillWorker(plan.Cgroup, process);

        using var timer = new Timer(_ => { Interlocked.Exchange(ref killedForTime, 1); Kill(); }, null, limits.Time, Timeout.InfiniteTimeSpan);
        using var stopped = stop.Register(Kill);

        byte[]? artifact;
        using (var collected = new MemoryStream())
        {
            var buffer = new byte[256 * 1024];
            int n;
            try
            {
                while ((n = process.StandardOutput.BaseStream.Read(buffer)) > 0)
                {
                    if (collected.Length + n > limits.MemoryBytes)
                    {
                        killedForSize = true;
                        Kill();
                        break;
                    }
                    collected.Write(buffer, 0, n);
                }
            }
            catch (IOException) { }
            process.WaitForExit();
            timer.Change(Timeout.Infinite, Timeout.Infinite);
            artifact = collected.ToArray();
        }

        if (stop.IsCancellationRequested) return new Result(null, RunOutcome.Killed("stopped at the caller's request while compiling"), null);
        var detail = WorkerLauncher.FirstLine(stderr.Wait(TimeSpan.FromSeconds(2)) ? stderr.Result : "").Replace(moduleInJail, displayPath, StringComparison.Ordinal);
        if (Volatile.Read(ref killedForTime) == 1)
            return Failed($"compiling {displayPath} took longer than --max-compile-time {DurationText.Format(limits.Time)}; raise it if the module is a real program", LimitKind.MaxCompileTime);
        if (plan.Cgroup is { } cg && cg.OomKills() > 0)
            return Failed($"compiling {displayPath} needed more than --max-compile-memory {ByteSize.Format(limits.MemoryBytes)}; raise it if the module is a real program", LimitKind.MaxCompileMemory);
        if (killedForSize)
            return Failed($"the compiled form of {displayPath} is larger than --max-compile-memory {ByteSize.Format(limits.MemoryBytes)}; raise it if the module is a real program", LimitKind.MaxCompileMemory);
        if (process.ExitCode == ModuleRejectedStatus && detail.Length > 0)
            return Failed(detail, null);
        if (process.ExitCode != 0 || artifact.Length == 0)
        {
            var how = process.ExitCode > 128 ? $"signal {process.ExitCode - 128}" : $"status {process.ExitCode}";
            return new Result(null, RunOutcome.SetupFailed(jailed || process.ExitCode == LaunchScript.SetupFailedExitCode ? SetupStage.Isolation : SetupStage.Compile,
                $"the compile worker for {displayPath} failed ({how}){(detail.Length > 0 ? ": " + detail : "")}; run wasmbox doctor"), null);
        }
        return new Result(artifact, null, null);
    }

    private static int _sequence;

    private static Result Failed(string message, LimitKind? limit) =>
        new(null, RunOutcome.SetupFailed(SetupStage.Compile, message), limit);
}
