namespace Wasmbox.Jail.Limits;

/// <summary>
/// The rlimits the launch script sets, soft and hard alike, before it execs the worker; null leaves a limit as
/// inherited. RLIMIT_CORE is always 0: a worker's memory holds guest data and never goes to a core file.
/// </summary>
/// <param name="OpenFiles">RLIMIT_NOFILE, at least <see cref="MinimumOpenFiles"/>; <see cref="DefaultOpenFiles"/> is a fair choice.</param>
/// <param name="FileSizeBytes">RLIMIT_FSIZE: the largest file any process in the jail may write; beyond it, SIGXFSZ
/// (exit 153). Rounded down to 512 bytes, the unit of the shell's <c>ulimit -f</c>.</param>
/// <param name="CpuSeconds">RLIMIT_CPU, per process: at the limit the kernel sends SIGKILL. The cgroup CPU quota and
/// the supervisor's wall-clock timeout are the main bounds; this one stops a runaway even if both fail.</param>
public sealed record ProcessRlimits(ulong? OpenFiles, ulong? FileSizeBytes, ulong? CpuSeconds)
{
    /// <summary>Only RLIMIT_CORE = 0.</summary>
    public static readonly ProcessRlimits None = new(null, null, null);

    /// <summary>
    /// A run's rlimits: descriptors for the guest's quota plus <paramref name="runtimeOpenFiles"/> for the runtime, a
    /// per-file size backstop of max(quota, <paramref name="fileSizeFloor"/>), and a CPU backstop one second past
    /// <c>--cpu-time</c> (the worker stops the guest itself at the limit).
    /// </summary>
    public static ProcessRlimits ForRun(Core.Policy.SandboxLimits limits, ulong runtimeOpenFiles, ulong fileSizeFloor) => new(
        OpenFiles: limits.MaxOpenFiles is { } files ? (ulong)files + runtimeOpenFiles : DefaultOpenFiles,
        FileSizeBytes: limits.MaxDiskWriteBytes is { } disk ? Math.Max((ulong)disk, fileSizeFloor) : null,
        CpuSeconds: limits.CpuTime is { } cpu ? (ulong)Math.Ceiling(cpu.TotalSeconds) + 1 : null);

    /// <summary>
    /// A compile step's rlimits: the default descriptors, and a CPU backstop of the wall-clock limit times the CPUs
    /// (the parent kills the step at the wall-clock limit; this holds if the parent cannot).
    /// </summary>
    public static ProcessRlimits ForCompile(Core.Policy.CompileLimits limits) => new(
        OpenFiles: DefaultOpenFiles,
        FileSizeBytes: null,
        CpuSeconds: (ulong)Math.Ceiling(limits.Time.TotalSeconds * Environment.ProcessorCount) + 1);

    /// <summary>Below this the .NET runtime cannot start (20 gave "Failed to load JIT compiler"; 64 was fine).</summary>
    public const ulong MinimumOpenFiles = 64;

    /// <summary>Room for the runtime's own descriptors and a guest's preopens, far below what a host runs out of.</summary>
    public const ulong DefaultOpenFiles = 1024;

    /// <summary>RLIMIT_FSIZE granularity: POSIX <c>ulimit -f</c> counts 512-byte blocks (dash, bash as sh, busybox).</summary>
    public const ulong FileSizeBlock = 512;

    /// <summary>RLIMIT_FSIZE in whole 512-byte blocks, never more than asked.</summary>
    internal ulong? FileSizeBlocks => FileSizeBytes / FileSizeBlock;

    /// <exception cref="ArgumentOutOfRangeException">A value the runtime cannot live with, or one the shell cannot parse.</exception>
    internal void Validate()
    {
        // Linux refuses NOFILE above fs.nr_open (1,048,576 by default); anything larger is a typo.
        if (OpenFiles is { } n && n is < MinimumOpenFiles or > 1 << 20)
            throw new ArgumentOutOfRangeException(nameof(OpenFiles), OpenFiles, $"open files must be between {MinimumOpenFiles} and 1048576");
        // The shell multiplies blocks by 512 in an unsigned 64-bit number.
        if (FileSizeBytes is > long.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(FileSizeBytes), FileSizeBytes, "the file size limit must be below 2^63 bytes");
        if (CpuSeconds is { } s && s is 0 or > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(CpuSeconds), CpuSeconds, "CPU seconds must be between 1 and 4294967295");
    }
}
