using Wasmbox.Core.Policy;
using Wasmbox.Jail.Cgroups;
using Wasmbox.Jail.Limits;

namespace Wasmbox.Jail.Workers;

/// <summary>
/// Which jobs a pooled worker may take: exactly those whose jail, built for them per assignment, would be the pool's.
/// </summary>
/// <remarks>
/// <para>A job fits when, and only when, everything the jail is built from at the spawn is the same as for the pool:</para>
/// <list type="bullet">
/// <item>no directory grants and no listeners: nothing is bound into the jail, and nothing inherited besides the outputs;</item>
/// <item>the cgroup's limits other than memory are the pool's: no <c>--cpus</c> (the pids limit is the same for every run);</item>
/// <item>the rlimits the launch script sets are the pool's: no <c>--max-open-files</c>, <c>--max-disk-write</c> or
/// <c>--cpu-time</c> (compared as <see cref="ProcessRlimits.ForRun"/> of both, so a new rlimit cannot slip by);</item>
/// <item>the engine the worker warms is the pool's (<c>--fuel</c> or not; worker tiers never compile epoch checks);</item>
/// <item>no <c>--allow-net</c> rules: a jailed worker's network is a broker channel it inherits at its spawn, which a
/// pooled worker, spawned before its sandbox was known, does not have (such a sandbox starts its own worker, cold);</item>
/// <item>stdout and stderr are both captured into two different streams of the parent (the daemon's logs), since a
/// pooled worker's output pipes exist from its spawn.</item>
/// </list>
/// <para>The memory limit may differ: the pooled worker's cgroup starts at the runtime's headroom and the parent raises
/// it to the job's before the assignment (<see cref="WorkerCgroup.RaiseMemoryLimit"/>). Everything else (timeout, fuel
/// amount, environment, arguments, stdin, <c>--max-output</c>, determinism, trace) travels in the assignment and never
/// touches the jail. See docs/RATIONALE.md, "Why a warm pool, and why its jail is the same".</para>
/// </remarks>
/// <param name="Fuel">The worker's engine meters fuel.</param>
public sealed record WorkerPoolKey(bool Fuel)
{
    /// <summary>The limits a pooled worker's jail is built for (none: the grant-less default).</summary>
    internal static SandboxLimits Limits => SandboxLimits.None;

    /// <summary>The key of the pool that could serve <paramref name="job"/> with <paramref name="io"/>; null when no pool can.</summary>
    public static WorkerPoolKey? Of(WorkerJob job, WorkerIo io)
    {
        var limits = job.Policy.Limits;
        if (job.Policy.Dirs.Count > 0 || job.Listeners.Count > 0 || job.EpochChecks || !job.Policy.Net.IsNone) return null;
        if (CgroupLimits.ForRun(limits) with { MemoryBytes = null } != CgroupLimits.ForRun(Limits) with { MemoryBytes = null }) return null;
        if (ProcessRlimits.ForRun(limits, Contain.RuntimeOpenFiles, Contain.FileSizeFloor)
            != ProcessRlimits.ForRun(Limits, Contain.RuntimeOpenFiles, Contain.FileSizeFloor)) return null;
        if (io is not { Stdout: WorkerOutput.ToStream stdout, Stderr: WorkerOutput.ToStream stderr } || ReferenceEquals(stdout.Stream, stderr.Stream))
            return null;
        return new WorkerPoolKey(Fuel: limits.Fuel is not null);
    }

    /// <summary>The worker's <c>--engine</c> arguments for this key.</summary>
    internal string[] EngineArgs => ["--engine", Fuel ? "fuel" : "nofuel", "noepoch"];
}
