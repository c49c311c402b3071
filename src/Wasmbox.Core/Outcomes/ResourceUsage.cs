namespace Wasmbox.Core.Outcomes;

/// <summary>What one run used.</summary>
/// <param name="Wall">From the start of instantiation to the end of the guest.</param>
/// <param name="Cpu">CPU time of the thread that ran the guest (user + system).</param>
/// <param name="FuelConsumed">Fuel used; null when fuel metering was off.</param>
/// <param name="PeakMemoryBytes">Largest size of the guest's linear memory (wasm memories never shrink, so its final size).</param>
/// <param name="LimitsHit">Every limit that refused something during the run, even when the guest carried on.</param>
public sealed record ResourceUsage(TimeSpan Wall, TimeSpan Cpu, ulong? FuelConsumed, long PeakMemoryBytes, IReadOnlyList<LimitKind> LimitsHit)
{
    /// <summary>Largest resident set of the worker process (engine, runtime and guest together); null in-process, where the process is not the sandbox's.</summary>
    public long? PeakRssBytes { get; init; }

    /// <summary>What the guest's own sockets did; null when the policy gave no network (nothing to count).</summary>
    public NetUsage? Net { get; init; }

    /// <summary>What the guest read and wrote through its descriptors; null where the WASI host could not count (Wasmtime's built-in WASI, a worker that died).</summary>
    public GuestIo? Io { get; init; }

    public static ResourceUsage Zero { get; } = new(TimeSpan.Zero, TimeSpan.Zero, null, 0, []);
}

/// <summary>What one run's sockets did (WASIX sockets and accepted connections alike).</summary>
/// <param name="ConnectionsMade">Connections started (connect) or accepted, and sockets bound.</param>
/// <param name="ConnectionsRefused">Binds, connects, send_tos and resolves the policy refused, and sockets refused by <c>--max-connections</c>.</param>
/// <param name="BytesSent">Bytes the guest sent.</param>
/// <param name="BytesReceived">Bytes the guest received.</param>
public sealed record NetUsage(long ConnectionsMade, long ConnectionsRefused, long BytesSent, long BytesReceived)
{
    public static NetUsage Zero { get; } = new(0, 0, 0, 0);
}

/// <summary>The outcome and usage of one run, and which module ran.</summary>
public sealed record RunResult(RunOutcome Outcome, ResourceUsage Usage, string? ModuleSha256)
{
    /// <summary>The WASI calls the policy refused during the run.</summary>
    public RefusalAudit Refusals { get; init; } = RefusalAudit.None;
}
