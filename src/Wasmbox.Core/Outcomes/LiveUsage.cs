namespace Wasmbox.Core.Outcomes;

/// <summary>
/// One sample of a running sandbox's use, read from outside its worker (the jail's cgroup, else the worker's /proc
/// entry): <c>wasmbox stats</c>.
/// </summary>
/// <param name="Uptime">Since the worker was started.</param>
/// <param name="Cpu">CPU time used so far by the worker (its whole cgroup in the jail).</param>
/// <param name="MemoryBytes">Memory in use now: the cgroup's (worker, runtime and guest) in the jail, else the worker's resident set.</param>
/// <param name="MemoryLimitBytes">What the memory may reach before the sandbox is stopped: the cgroup's cap; null without one.</param>
/// <param name="Pids">Processes in the jail's cgroup (1 for the worker alone); null without a cgroup.</param>
public sealed record LiveUsage(TimeSpan Uptime, TimeSpan Cpu, long MemoryBytes, long? MemoryLimitBytes, int? Pids)
{
    /// <summary>What the guest counted inside its sandbox, as its worker last answered; null before the first answer.</summary>
    public GuestCounters? Guest { get; init; }
}
