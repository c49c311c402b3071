namespace Wasmbox.Core.Policy;

/// <summary>What one sandbox may do and use. Immutable; built once by <see cref="PolicySettings.Build"/> and validated there.</summary>
/// <remarks>
/// Deny by default: <see cref="DenyAll"/> grants no directories and no environment variables, sets no limits beyond the
/// engine's own, and gives the guest an empty stdin. Everything the guest may touch is listed here and nowhere else.
/// </remarks>
public sealed record SandboxPolicy
{
    /// <summary>Directories the guest may open, in preopen order (fd 3, 4, … in the guest).</summary>
    public IReadOnlyList<DirGrant> Dirs { get; init; } = [];

    /// <summary>The guest's whole environment, in order. Nothing is inherited from the host unless named.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    public SandboxLimits Limits { get; init; } = SandboxLimits.None;

    public StdinSource Stdin { get; init; } = new StdinSource.None();

    /// <summary>
    /// How the sandbox is separated from the host. Null means "the strongest tier this host offers": the jail on Linux where
    /// bubblewrap works, else a worker process (the CLI's default). The in-process runner ignores it.
    /// </summary>
    public IsolationTier? Isolation { get; init; }

    /// <summary>Listening TCP sockets to preopen for the guest (<c>--listen HOST:PORT</c>), after the directories.</summary>
    public IReadOnlyList<string> Listen { get; init; } = [];

    /// <summary>
    /// <c>--allow-net</c> rules: where the guest's own sockets may connect and bind. <see cref="NetPolicy.None"/> (the
    /// default) gives no network at all; <see cref="Listen"/> sockets are preopened whatever this says.
    /// </summary>
    public NetPolicy Net { get; init; } = NetPolicy.None;

    /// <summary>When set, clocks start at a fixed instant and advance only with the guest, and random_get is seeded with it.</summary>
    public ulong? DeterministicSeed { get; init; }

    /// <summary>No files, no env, no limits, empty stdin, the host's strongest isolation tier.</summary>
    public static SandboxPolicy DenyAll { get; } = new();
}

/// <summary>Limits on one sandbox. A null limit is not enforced beyond the engine's defaults.</summary>
/// <param name="MaxMemoryBytes">Cap on linear memory; growth beyond it fails inside the guest (memory.grow returns -1).</param>
/// <param name="Fuel">Instruction budget; metering costs 20–30 % of speed, so it is on only when set.</param>
/// <param name="Timeout">Wall-clock limit from the start of the guest's <c>_start</c>.</param>
public sealed record SandboxLimits(long? MaxMemoryBytes, ulong? Fuel, TimeSpan? Timeout)
{
    /// <summary>Descriptors open at once, stdio and preopens included; beyond it path_open and sock_accept fail with EMFILE.</summary>
    public int? MaxOpenFiles { get; init; }

    /// <summary>Bytes the guest may write to files under its grants; beyond it writes fail with EDQUOT.</summary>
    public long? MaxDiskWriteBytes { get; init; }

    /// <summary>Bytes of stdout and stderr together; beyond it output is dropped (the guest is not told) and the report says so.</summary>
    public long? MaxOutputBytes { get; init; }

    /// <summary>Guest sockets open at once (sock_open, sock_accept); beyond it those calls fail with EMFILE.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>Bytes sent and received over the guest's sockets together; beyond it sends and receives fail (EDQUOT).</summary>
    public long? MaxNetBytes { get; init; }

    /// <summary>CPU time (user + system) of the whole worker; the guest stops with the timeout status beyond it. Worker tiers only.</summary>
    public TimeSpan? CpuTime { get; init; }

    /// <summary>CPU quota in cores (0.5 = half of one core), through the cgroup cpu controller. Jail tier only.</summary>
    public double? Cpus { get; init; }

    /// <summary>
    /// Wall-clock time compiling the module may take, in a compile worker that is killed at the limit; null for
    /// <see cref="CompileLimits.DefaultTime"/>. Compilation happens once per module and engine configuration (the
    /// result is cached), outside <see cref="SandboxLimits.Timeout"/>.
    /// </summary>
    public TimeSpan? MaxCompileTime { get; init; }

    /// <summary>Memory the compile worker may use (its cgroup's limit); null for <see cref="CompileLimits.DefaultMemoryBytes"/>.</summary>
    public long? MaxCompileMemoryBytes { get; init; }

    public static SandboxLimits None { get; } = new(null, null, null);
}
