using System.Text.Json.Serialization;
using Wasmbox.Core.Outcomes;

namespace Wasmbox.Core.Protocol;

// The JSON payloads of the control frames. Field names go on the wire in snake_case (ProtocolJsonContext); every
// field is written, nulls included, and every field is required when read, so a missing one is an error and not a default.

/// <summary>The worker's first frame (<see cref="FrameType.Hello"/>), sent as soon as it is up.</summary>
/// <param name="Protocol">The protocol version the worker speaks (<see cref="Frames.ProtocolVersion"/>).</param>
/// <param name="Pid">The worker's process id as the worker sees it (inside a pid namespace, not the host's).</param>
/// <param name="WorkerVersion">The worker's informational version, for messages.</param>
public sealed record WorkerHello(int Protocol, int Pid, string WorkerVersion);

/// <summary>What a worker must run (<see cref="FrameType.Assign"/>). Validated by <see cref="WireConversions.Validate(WorkerAssignment)"/>.</summary>
/// <param name="Protocol">The protocol version the parent speaks.</param>
/// <param name="ModulePath">Absolute path the worker can open (inside the jail): a verified precompiled artifact, or a .wasm/.wat.</param>
/// <param name="Precompiled">True: <paramref name="ModulePath"/> is a cache artifact to load with <c>Module.DeserializeFile</c>.</param>
/// <param name="ModuleSha256">SHA-256 of the original module (64 lowercase hex digits), for the report; empty when the parent has
/// not read the module (not precompiled), and the worker computes it.</param>
/// <param name="Argv0">The guest's <c>argv[0]</c>.</param>
/// <param name="Args">The guest's arguments after <c>argv[0]</c>.</param>
/// <param name="Policy">The sandbox policy, with host paths as the worker sees them.</param>
/// <param name="Trace">True for <c>--trace</c>: the worker writes trace lines to the guest's stderr descriptor.</param>
/// <param name="ListenerFds">Inherited descriptors of listening sockets, in <c>--listen</c> order.</param>
/// <param name="StdoutFd">Inherited descriptor the guest's fd 1 writes to: the caller's own (a foreground run's stdout, a
/// file), or a pipe the parent drains. Above 2, not a listener.</param>
/// <param name="StderrFd">The same for fd 2; may equal <paramref name="StdoutFd"/> (one pipe keeps the two in order).</param>
/// <param name="SpentMs">Milliseconds between the worker's spawn and this assignment, as the parent measured them. The
/// run's time limits count from the spawn, so the worker starts its own deadline this much closer.</param>
/// <param name="EpochChecks">True: the module is compiled with epoch checks, which stop the guest at a time limit. False
/// (what the parent sends): none are, and the worker's own watch ends the process at the limit. The worker makes its
/// engine to match, so it can load the parent's artifact.</param>
/// <param name="BrokerFd">Inherited end of the network broker's socket pair (the jail tier, when the policy has
/// <c>--allow-net</c> rules); null when the worker opens sockets itself or has no network. Above 2, no other descriptor.</param>
public sealed record WorkerAssignment(
    int Protocol,
    string ModulePath,
    bool Precompiled,
    string ModuleSha256,
    string Argv0,
    IReadOnlyList<string> Args,
    WirePolicy Policy,
    bool Trace,
    IReadOnlyList<int> ListenerFds,
    int StdoutFd,
    int StderrFd,
    long SpentMs,
    bool EpochChecks,
    int? BrokerFd);

/// <summary>A <see cref="Policy.SandboxPolicy"/> on the wire (<see cref="WireConversions"/> converts both ways).</summary>
/// <param name="Dirs">Directory grants, in preopen order.</param>
/// <param name="Env">The guest's whole environment, in order.</param>
/// <param name="Limits">The limits; null members are not enforced.</param>
/// <param name="Stdin"><see cref="StdinNone"/> (end of file at once) or <see cref="StdinFrames"/> (from <see cref="FrameType.Stdin"/> frames).</param>
/// <param name="DeterministicSeed">Set for <c>--deterministic</c>: fixed clocks and seeded random_get.</param>
public sealed record WirePolicy(
    IReadOnlyList<WireDirGrant> Dirs,
    IReadOnlyList<WireEnvVar> Env,
    WireLimits Limits,
    string Stdin,
    ulong? DeterministicSeed)
{
    /// <summary>
    /// The <c>--allow-net</c> rules as written (<see cref="Policy.NetRule.Text"/>); the worker parses them again, so a
    /// rule means in the worker exactly what it meant to the parent. Empty: no network.
    /// </summary>
    /// <remarks>Why a property and not a constructor parameter: it is required on the wire all the same ([JsonRequired]).</remarks>
    [JsonRequired]
    public IReadOnlyList<string> AllowNet { get; init; } = [];

    /// <summary>The guest's stdin is at end of file from the start.</summary>
    public const string StdinNone = "none";

    /// <summary>The guest's stdin comes from <see cref="FrameType.Stdin"/> frames, until <see cref="FrameType.StdinEnd"/>.</summary>
    public const string StdinFrames = "frames";
}

/// <summary>A <see cref="Policy.DirGrant"/> on the wire; <paramref name="HostPath"/> is the path as the worker sees it.</summary>
public sealed record WireDirGrant(string HostPath, string GuestPath, bool ReadOnly);

/// <summary>One environment variable of the guest.</summary>
public sealed record WireEnvVar(string Name, string Value);

/// <summary>A <see cref="Policy.SandboxLimits"/> on the wire, without <see cref="Policy.SandboxLimits.Cpus"/> (the parent's cgroup
/// enforces that); durations in milliseconds at tick precision.</summary>
/// <param name="CpuTimeMs"><see cref="Policy.SandboxLimits.CpuTime"/>: CPU time of the worker, enforced by the worker.</param>
public sealed record WireLimits(
    long? MaxMemoryBytes,
    ulong? Fuel,
    double? TimeoutMs,
    int? MaxOpenFiles,
    long? MaxDiskWriteBytes,
    long? MaxOutputBytes,
    double? CpuTimeMs)
{
    /// <summary><see cref="Policy.SandboxLimits.MaxConnections"/>; required on the wire, null when not enforced.</summary>
    [JsonRequired]
    public int? MaxConnections { get; init; }

    /// <summary><see cref="Policy.SandboxLimits.MaxNetBytes"/>; required on the wire, null when not enforced.</summary>
    [JsonRequired]
    public long? MaxNetBytes { get; init; }
}

/// <summary>How a run ended and what it used (<see cref="FrameType.Result"/>): the last frame of a run.</summary>
/// <param name="Outcome">The outcome name as in reports: exited, trapped, timeout, out_of_fuel, memory_limit, setup_failed, killed.</param>
/// <param name="GuestExitCode">Set only for exited.</param>
/// <param name="Trap">The trap code name; set only for trapped.</param>
/// <param name="Message">One line for a person.</param>
/// <param name="SetupStage">The stage name as in reports (policy, read_module, …); set only for setup_failed.</param>
/// <param name="WallMs">Wall time in milliseconds, at tick precision.</param>
/// <param name="CpuMs">CPU time in milliseconds, at tick precision.</param>
/// <param name="FuelConsumed">Null when fuel metering was off.</param>
/// <param name="PeakMemoryBytes">Largest size of the guest's linear memory.</param>
/// <param name="PeakRssBytes">The worker process's peak resident set size, when it could be read.</param>
/// <param name="LimitsHit">Limit names as in reports (max-memory, fuel, timeout, max-open-files, max-disk-write, max-output, cpu-time).</param>
/// <param name="ModuleSha256">SHA-256 of the module that ran, when it was read.</param>
public sealed record WorkerResult(
    string Outcome,
    int? GuestExitCode,
    string? Trap,
    string Message,
    string? SetupStage,
    double WallMs,
    double CpuMs,
    ulong? FuelConsumed,
    long PeakMemoryBytes,
    long? PeakRssBytes,
    IReadOnlyList<string> LimitsHit,
    string? ModuleSha256)
{
    /// <summary>The refusals kept (at most <see cref="RefusalAudit.MaxKept"/>).</summary>
    public IReadOnlyList<Refusal> Refusals { get; init; } = [];

    /// <summary>All refusals counted, kept or not.</summary>
    public long RefusalsTotal { get; init; }

    /// <summary>What the guest's sockets did (<see cref="ResourceUsage.Net"/>); required on the wire, null when the policy gave no network.</summary>
    [JsonRequired]
    public WireNetUsage? Net { get; init; }

    /// <summary>What the guest read and wrote (<see cref="ResourceUsage.Io"/>); required on the wire, null when the run never reached the guest.</summary>
    [JsonRequired]
    public WireIo? Io { get; init; }
}

/// <summary>A <see cref="GuestIo"/> on the wire; every count is checked not to be negative when read.</summary>
public sealed record WireIo(long BytesRead, long BytesWritten, long OutputBytes, long? DiskWrittenBytes);

/// <summary>What the guest has used so far (<see cref="FrameType.Usage"/>), the answer to a <see cref="FrameType.UsageAsk"/>.</summary>
/// <param name="Running">False before the guest's instance exists and after its run ended: the counts are then zeros.</param>
public sealed record WorkerUsage(bool Running, long MemoryBytes, ulong? FuelConsumed, int OpenFds, long Refusals, WireIo Io, WireNetUsage? Net);

/// <summary>A <see cref="NetUsage"/> on the wire; every count is checked not to be negative when read.</summary>
public sealed record WireNetUsage(long ConnectionsMade, long ConnectionsRefused, long BytesSent, long BytesReceived);
