namespace Wasmbox.Jail.Cgroups;

/// <summary>The limits one worker's cgroup enforces; null means "no limit" for that resource.</summary>
/// <param name="MemoryBytes">The cgroup's whole memory limit, worker runtime included: add
/// <see cref="RuntimeHeadroomBytes"/> to the guest's own limit. The kernel rounds it down to a page.</param>
/// <param name="Pids">Tasks (processes and threads) in the cgroup, bwrap and the shell included; see <see cref="DefaultPids"/>.</param>
/// <param name="Cpus">CPU time per wall time: 0.5 is half of one core, 2 is two cores (CFS quota over a 100 ms period).</param>
public sealed record CgroupLimits(long? MemoryBytes, int? Pids, double? Cpus)
{
    /// <summary>No limits: the cgroup is still made, for <see cref="WorkerCgroup.Kill"/> and the usage readings.</summary>
    public static readonly CgroupLimits None = new(null, null, null);

    /// <summary>
    /// What a caller adds to the guest's memory limit to get <see cref="MemoryBytes"/>: the worker is a NativeAOT .NET
    /// process with libwasmtime, about 17–25 MiB resident before the guest allocates anything, plus bwrap and the shell
    /// (well under 1 MiB each). 64 MiB leaves room for GC heap growth, Wasmtime's compiled code and Cranelift's compile
    /// buffers, so that a guest under its own limit is never killed for the runtime's sake. See docs/RATIONALE.md.
    /// </summary>
    public const long RuntimeHeadroomBytes = 64L * 1024 * 1024;

    /// <summary>
    /// A pids limit that never gets in the worker's way: the runtime alone starts about 7 threads (4 with
    /// diagnostics off), and too low a limit aborts it (SIGABRT, exit 134) instead of failing a guest call cleanly.
    /// 64 is several times that, and still stops a fork bomb at once. See docs/RATIONALE.md.
    /// </summary>
    public const int DefaultPids = 64;

    /// <summary>A run's cgroup: the guest's memory cap plus <see cref="RuntimeHeadroomBytes"/>, <see cref="DefaultPids"/>, its CPU quota.</summary>
    public static CgroupLimits ForRun(Core.Policy.SandboxLimits limits) =>
        new(limits.MaxMemoryBytes is { } cap ? cap + RuntimeHeadroomBytes : null, DefaultPids, limits.Cpus);

    /// <summary>
    /// A compile step's cgroup: the whole compile memory limit (the worker's runtime included), and room for one
    /// compiler thread per CPU on top of the runtime's own (Wasmtime compiles functions in parallel).
    /// </summary>
    public static CgroupLimits ForCompile(Core.Policy.CompileLimits limits) =>
        new(limits.MemoryBytes, DefaultPids + Environment.ProcessorCount, null);

    /// <summary>The CFS period the CPU quota is expressed in, in microseconds (the kernel's own default).</summary>
    public const long CpuPeriodMicroseconds = 100_000;

    /// <summary>The kernel refuses a CFS quota under 1 ms.</summary>
    internal const long MinimumCpuQuotaMicroseconds = 1_000;

    /// <summary>The CFS quota for <see cref="Cpus"/>, rounded down so it never grants more than asked; null when unlimited.</summary>
    internal long? CpuQuotaMicroseconds => Cpus is { } c ? (long)Math.Floor(c * CpuPeriodMicroseconds) : null;

    /// <exception cref="ArgumentOutOfRangeException">A limit that no kernel would take, or that would stop any worker.</exception>
    internal void Validate()
    {
        if (MemoryBytes is <= 0) throw new ArgumentOutOfRangeException(nameof(MemoryBytes), MemoryBytes, "the memory limit must be positive");
        if (Pids is <= 0) throw new ArgumentOutOfRangeException(nameof(Pids), Pids, "the pids limit must be positive");
        if (Cpus is { } cpus && (!double.IsFinite(cpus) || cpus > 4096 || CpuQuotaMicroseconds < MinimumCpuQuotaMicroseconds))
            throw new ArgumentOutOfRangeException(nameof(Cpus), Cpus, "the CPU limit must be between 0.01 and 4096 cores");
    }
}
