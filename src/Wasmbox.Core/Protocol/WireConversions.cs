using System.Globalization;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;

namespace Wasmbox.Core.Protocol;

/// <summary>Converts policies and results to and from their wire records, and validates what comes off the wire.</summary>
/// <remarks>
/// The worker must not trust an assignment: <see cref="Validate(WorkerAssignment)"/> and <see cref="ToPolicy(WirePolicy, out bool)"/>
/// refuse relative host paths, NUL bytes, empty or duplicate names, negative or non-finite limits, and unknown names,
/// each with a <see cref="ProtocolException"/> naming the field as it is spelled on the wire. Durations travel as
/// milliseconds with tick precision, so a duration survives the round trip exactly.
/// </remarks>
public static class WireConversions
{
    // ---- policy ----

    /// <summary>The policy as the parent sends it.</summary>
    /// <param name="policy">A policy built by <see cref="PolicySettings.Build"/>.</param>
    /// <param name="hostPathInWorker">Where the worker will find each grant's directory (inside the jail, a mount point).</param>
    /// <param name="stdinFrames">True when the parent will send the guest's stdin as <see cref="FrameType.Stdin"/> frames
    /// (whatever the policy's own <see cref="SandboxPolicy.Stdin"/> is: the parent reads that and forwards it).</param>
    /// <remarks>
    /// Not carried: <see cref="SandboxPolicy.Isolation"/> (the worker runs the guest in-process),
    /// <see cref="SandboxPolicy.Listen"/> (the sockets travel as <see cref="WorkerAssignment.ListenerFds"/>) and
    /// <see cref="SandboxLimits.Cpus"/> (the parent's cgroup enforces it; the worker has nothing to do for it).
    /// </remarks>
    public static WirePolicy ToWire(this SandboxPolicy policy, Func<DirGrant, string> hostPathInWorker, bool stdinFrames)
    {
        var limits = policy.Limits;
        return new WirePolicy(
            policy.Dirs.Select(g => new WireDirGrant(hostPathInWorker(g), g.GuestPath, g.ReadOnly)).ToList(),
            policy.Env.Select(kv => new WireEnvVar(kv.Key, kv.Value)).ToList(),
            new WireLimits(
                limits.MaxMemoryBytes,
                limits.Fuel,
                limits.Timeout is { } timeout ? ToMilliseconds(timeout) : null,
                limits.MaxOpenFiles,
                limits.MaxDiskWriteBytes,
                limits.MaxOutputBytes,
                limits.CpuTime is { } cpuTime ? ToMilliseconds(cpuTime) : null)
            {
                MaxConnections = limits.MaxConnections,
                MaxNetBytes = limits.MaxNetBytes,
            },
            stdinFrames ? WirePolicy.StdinFrames : WirePolicy.StdinNone,
            policy.DeterministicSeed)
        {
            AllowNet = policy.Net.Rules.Select(r => r.Text).ToList(),
        };
    }

    /// <summary>Validates <paramref name="wire"/> and rebuilds the policy the worker runs. See <see cref="ToPolicy(WirePolicy, out bool)"/>.</summary>
    /// <remarks>Stdin is <see cref="StdinSource.None"/> here for <c>frames</c> too; call the other overload to learn whether to replace it.</remarks>
    public static SandboxPolicy ToPolicy(this WirePolicy wire) => wire.ToPolicy(out _);

    /// <summary>Validates <paramref name="wire"/> and rebuilds the policy the worker runs.</summary>
    /// <param name="wire">The policy from an assignment.</param>
    /// <param name="stdinFromFrames">
    /// True for stdin <c>frames</c>. The returned policy then still says <see cref="StdinSource.None"/>: the worker
    /// replaces it with a source fed by <see cref="FrameType.Stdin"/> frames (<c>policy with { Stdin = … }</c>).
    /// </param>
    /// <returns>The policy with <see cref="IsolationTier.None"/> (the worker is the isolation), its <c>allow_net</c> rules parsed again, no <see cref="SandboxPolicy.Listen"/>
    /// entries (the worker has the sockets as descriptors) and no <see cref="SandboxLimits.Cpus"/>.</returns>
    /// <exception cref="ProtocolException">A value no valid parent sends.</exception>
    public static SandboxPolicy ToPolicy(this WirePolicy wire, out bool stdinFromFrames)
    {
        stdinFromFrames = wire.Stdin switch
        {
            WirePolicy.StdinNone => false,
            WirePolicy.StdinFrames => true,
            _ => throw Invalid($"policy.stdin '{wire.Stdin}' is not {WirePolicy.StdinNone} or {WirePolicy.StdinFrames}"),
        };

        var dirs = new List<DirGrant>(wire.Dirs.Count);
        for (var i = 0; i < wire.Dirs.Count; i++)
        {
            var d = wire.Dirs[i];
            var field = $"policy.dirs[{i}]";
            RequireText(d.HostPath, $"{field}.host_path");
            if (!Path.IsPathFullyQualified(d.HostPath))
                throw Invalid($"{field}.host_path '{d.HostPath}' is not an absolute path");
            RequireText(d.GuestPath, $"{field}.guest_path");
            if (dirs.Exists(g => g.GuestPath == d.GuestPath))
                throw Invalid($"{field}.guest_path '{d.GuestPath}' is granted twice");
            dirs.Add(new DirGrant(d.HostPath, d.GuestPath, d.ReadOnly));
        }

        var env = new List<KeyValuePair<string, string>>(wire.Env.Count);
        for (var i = 0; i < wire.Env.Count; i++)
        {
            var e = wire.Env[i];
            var field = $"policy.env[{i}]";
            RequireText(e.Name, $"{field}.name");
            if (e.Name.Contains('='))
                throw Invalid($"{field}.name '{e.Name}' contains '='");
            if (e.Value.Contains('\0'))
                throw Invalid($"{field}.value of {e.Name} contains a NUL byte");
            if (env.Exists(kv => kv.Key == e.Name))
                throw Invalid($"{field}.name '{e.Name}' is set twice");
            env.Add(new(e.Name, e.Value));
        }

        var l = wire.Limits;
        var limits = new SandboxLimits(
            NotNegative(l.MaxMemoryBytes, "policy.limits.max_memory_bytes"),
            l.Fuel,
            l.TimeoutMs is { } ms ? FromMilliseconds(ms, "policy.limits.timeout_ms") : null)
        {
            MaxOpenFiles = l.MaxOpenFiles is < 0 ? throw Invalid($"policy.limits.max_open_files {l.MaxOpenFiles} is negative") : l.MaxOpenFiles,
            MaxDiskWriteBytes = NotNegative(l.MaxDiskWriteBytes, "policy.limits.max_disk_write_bytes"),
            MaxOutputBytes = NotNegative(l.MaxOutputBytes, "policy.limits.max_output_bytes"),
            CpuTime = l.CpuTimeMs is { } cpu ? FromMilliseconds(cpu, "policy.limits.cpu_time_ms") : null,
            MaxConnections = l.MaxConnections is < 0 ? throw Invalid($"policy.limits.max_connections {l.MaxConnections} is negative") : l.MaxConnections,
            MaxNetBytes = NotNegative(l.MaxNetBytes, "policy.limits.max_net_bytes"),
        };

        // The rules are parsed again here, with the parser the parent used: a rule the parent could not have sent is refused.
        var rules = new List<NetRule>(wire.AllowNet.Count);
        for (var i = 0; i < wire.AllowNet.Count; i++)
        {
            try { rules.Add(NetRule.Parse(wire.AllowNet[i], $"policy.allow_net[{i}]")); }
            catch (PolicyException e) { throw Invalid(e.Message); }
        }

        return new SandboxPolicy
        {
            Dirs = dirs,
            Env = env,
            Limits = limits,
            Stdin = new StdinSource.None(),
            Isolation = IsolationTier.None,
            Listen = [],
            Net = rules.Count == 0 ? NetPolicy.None : new NetPolicy(rules),
            DeterministicSeed = wire.DeterministicSeed,
        };
    }

    /// <summary>Throws <see cref="ProtocolException"/> unless <paramref name="wire"/> is a policy <see cref="ToPolicy(WirePolicy, out bool)"/> accepts.</summary>
    public static void Validate(this WirePolicy wire) => _ = wire.ToPolicy(out _);

    /// <summary>
    /// Throws <see cref="ProtocolException"/> unless the assignment is one a valid parent sends: our protocol version, an
    /// absolute module path, a 64-digit lowercase hex SHA-256 or an empty one, no NUL in argv, a valid policy, and listener descriptors
    /// above stdio, each given once, and a broker descriptor (when there is one) above stdio and distinct from the others. <see cref="ProtocolJson.ReadAssignment"/> calls this.
    /// </summary>
    public static void Validate(this WorkerAssignment assignment)
    {
        Frames.RequireVersion(assignment.Protocol, "the parent");
        RequireText(assignment.ModulePath, "module_path");
        if (!Path.IsPathFullyQualified(assignment.ModulePath))
            throw Invalid($"module_path '{assignment.ModulePath}' is not an absolute path");
        RequireSha256(assignment.ModuleSha256, "module_sha256");
        if (assignment.Argv0.Contains('\0'))
            throw Invalid("argv0 contains a NUL byte");
        for (var i = 0; i < assignment.Args.Count; i++)
            if (assignment.Args[i].Contains('\0'))
                throw Invalid($"args[{i}] contains a NUL byte");
        assignment.Policy.Validate();
        if (assignment.SpentMs < 0)
            throw Invalid($"spent_ms {assignment.SpentMs} is negative");
        for (var i = 0; i < assignment.ListenerFds.Count; i++)
        {
            var fd = assignment.ListenerFds[i];
            if (fd < 3)
                throw Invalid($"listener_fds[{i}] {fd} is not above stdin, stdout and stderr");
            if (assignment.ListenerFds.Take(i).Contains(fd))
                throw Invalid($"listener_fds[{i}] {fd} is listed twice");
        }
        foreach (var (name, fd) in new[] { ("stdout_fd", assignment.StdoutFd), ("stderr_fd", assignment.StderrFd) })
        {
            if (fd < 3)
                throw Invalid($"{name} {fd} is not above stdin, stdout and stderr");
            if (assignment.ListenerFds.Contains(fd))
                throw Invalid($"{name} {fd} is also a listener");
        }
        if (assignment.BrokerFd is { } broker)
        {
            if (broker < 3)
                throw Invalid($"broker_fd {broker} is not above stdin, stdout and stderr");
            if (assignment.ListenerFds.Contains(broker) || broker == assignment.StdoutFd || broker == assignment.StderrFd)
                throw Invalid($"broker_fd {broker} is also a listener or an output");
        }
    }

    // ---- result ----

    /// <summary>The result as the worker sends it.</summary>
    /// <param name="result">The run's result.</param>
    /// <param name="peakRssBytes">The worker's peak resident set size, or null when it could not be read.</param>
    public static WorkerResult ToWire(this RunResult result, long? peakRssBytes)
    {
        var outcome = result.Outcome;
        var usage = result.Usage;
        return new WorkerResult(
            outcome.Kind.Name(),
            outcome.GuestExitCode,
            outcome.Trap,
            outcome.Message,
            outcome.Stage?.Name(),
            ToMilliseconds(usage.Wall),
            ToMilliseconds(usage.Cpu),
            usage.FuelConsumed,
            usage.PeakMemoryBytes,
            peakRssBytes,
            usage.LimitsHit.Select(l => l.Name()).ToList(),
            result.ModuleSha256)
        {
            Refusals = result.Refusals.Kept,
            RefusalsTotal = result.Refusals.Total,
            Net = usage.Net is { } net ? net.ToWire() : null,
            Io = usage.Io?.ToWire(),
        };
    }

    public static WireNetUsage ToWire(this NetUsage net) => new(net.ConnectionsMade, net.ConnectionsRefused, net.BytesSent, net.BytesReceived);

    public static WireIo ToWire(this GuestIo io) => new(io.BytesRead, io.BytesWritten, io.OutputBytes, io.DiskWrittenBytes);

    /// <summary>The usage so far as the worker sends it; <paramref name="counters"/> null before or after the run.</summary>
    public static WorkerUsage ToWire(this GuestCounters? counters) => counters is null
        ? new WorkerUsage(false, 0, null, 0, 0, GuestIo.Zero.ToWire(), null)
        : new WorkerUsage(true, counters.MemoryBytes, counters.FuelConsumed, counters.OpenFds, counters.Refusals, counters.Io.ToWire(), counters.Net?.ToWire());

    /// <summary>Validates <paramref name="wire"/>; null when the worker had no run to count.</summary>
    /// <exception cref="ProtocolException">A negative count.</exception>
    public static GuestCounters? ToCounters(this WorkerUsage wire) => !wire.Running ? null : new GuestCounters(
        NotNegative(wire.MemoryBytes, "memory_bytes"),
        wire.FuelConsumed,
        (int)NotNegative(wire.OpenFds, "open_fds"),
        NotNegative(wire.Refusals, "refusals"),
        FromWire(wire.Io),
        wire.Net is { } net ? FromWire(net) : null);

    private static NetUsage FromWire(WireNetUsage net) => new(
        NotNegative(net.ConnectionsMade, "net.connections_made"),
        NotNegative(net.ConnectionsRefused, "net.connections_refused"),
        NotNegative(net.BytesSent, "net.bytes_sent"),
        NotNegative(net.BytesReceived, "net.bytes_received"));

    private static GuestIo FromWire(WireIo io) => new(
        NotNegative(io.BytesRead, "io.bytes_read"),
        NotNegative(io.BytesWritten, "io.bytes_written"),
        NotNegative(io.OutputBytes, "io.output_bytes"),
        NotNegative(io.DiskWrittenBytes, "io.disk_written_bytes"));

    /// <summary>Validates <paramref name="wire"/> and rebuilds the result.</summary>
    /// <exception cref="ProtocolException">An unknown name, a member set for the wrong outcome or missing for its own
    /// (exit code for exited, trap for trapped, stage for setup_failed), a negative or non-finite measure.</exception>
    public static RunResult ToRunResult(this WorkerResult wire)
    {
        var kind = ParseOutcomeKind(wire.Outcome);
        var stage = wire.SetupStage is null ? (SetupStage?)null : ParseSetupStage(wire.SetupStage);
        RequireForKind(wire.GuestExitCode is not null, kind == OutcomeKind.Exited, "guest_exit_code", wire.Outcome);
        RequireForKind(wire.Trap is not null, kind == OutcomeKind.Trapped, "trap", wire.Outcome);
        RequireForKind(stage is not null, kind == OutcomeKind.SetupFailed, "setup_stage", wire.Outcome);
        if (wire.ModuleSha256 is not null)
            RequireSha256(wire.ModuleSha256, "module_sha256");

        var usage = new ResourceUsage(
            FromMilliseconds(wire.WallMs, "wall_ms"),
            FromMilliseconds(wire.CpuMs, "cpu_ms"),
            wire.FuelConsumed,
            NotNegative(wire.PeakMemoryBytes, "peak_memory_bytes"),
            wire.LimitsHit.Select(ParseLimitKind).ToList())
        {
            PeakRssBytes = NotNegative(wire.PeakRssBytes, "peak_rss_bytes"),
            Net = wire.Net is { } net ? FromWire(net) : null,
            Io = wire.Io is { } io ? FromWire(io) : null,
        };
        if (wire.Refusals.Count > RefusalAudit.MaxKept || wire.RefusalsTotal < wire.Refusals.Count)
            throw new ProtocolException($"protocol: {wire.Refusals.Count} refusals kept of {wire.RefusalsTotal}, at most {RefusalAudit.MaxKept} may be");
        return new RunResult(new RunOutcome(kind, wire.GuestExitCode, wire.Trap, wire.Message, stage), usage, wire.ModuleSha256)
        {
            Refusals = new RefusalAudit(wire.Refusals, wire.RefusalsTotal),
        };
    }

    // ---- names ----
    // The reverse of the Name() extensions in OutcomeKind.cs, by searching every value: one table, so a new enum value
    // parses as soon as it has a name.

    /// <summary>The <see cref="OutcomeKind"/> whose <c>Name()</c> is <paramref name="name"/>; <see cref="ProtocolException"/> if none.</summary>
    public static OutcomeKind ParseOutcomeKind(string name)
    {
        foreach (var kind in Enum.GetValues<OutcomeKind>())
            if (kind.Name() == name) return kind;
        throw Invalid($"unknown outcome '{name}'");
    }

    /// <summary>The <see cref="SetupStage"/> whose <c>Name()</c> is <paramref name="name"/>; <see cref="ProtocolException"/> if none.</summary>
    public static SetupStage ParseSetupStage(string name)
    {
        foreach (var stage in Enum.GetValues<SetupStage>())
            if (stage.Name() == name) return stage;
        throw Invalid($"unknown setup stage '{name}'");
    }

    /// <summary>The <see cref="LimitKind"/> whose <c>Name()</c> is <paramref name="name"/>; <see cref="ProtocolException"/> if none.</summary>
    public static LimitKind ParseLimitKind(string name)
    {
        foreach (var limit in Enum.GetValues<LimitKind>())
            if (limit.Name() == name) return limit;
        throw Invalid($"unknown limit '{name}'");
    }

    // ---- helpers ----

    /// <summary>Milliseconds at tick precision (1 tick = 0.0001 ms), so <see cref="FromMilliseconds"/> gives the same ticks back.</summary>
    private static double ToMilliseconds(TimeSpan span) => span.Ticks / (double)TimeSpan.TicksPerMillisecond;

    private static TimeSpan FromMilliseconds(double ms, string field)
    {
        if (!double.IsFinite(ms) || ms < 0)
            throw Invalid($"{field} {ms.ToString(CultureInfo.InvariantCulture)} is not a finite, non-negative number of milliseconds");
        var ticks = Math.Round(ms * TimeSpan.TicksPerMillisecond);
        // (double)long.MaxValue rounds up to 2^63, which no long holds: refuse it and everything above.
        if (ticks >= long.MaxValue)
            throw Invalid($"{field} {ms.ToString(CultureInfo.InvariantCulture)} is longer than the longest duration .NET can hold");
        return TimeSpan.FromTicks((long)ticks);
    }

    private static long? NotNegative(long? value, string field) =>
        value is < 0 ? throw Invalid($"{field} {value} is negative") : value;

    private static long NotNegative(long value, string field) =>
        value < 0 ? throw Invalid($"{field} {value} is negative") : value;

    private static void RequireText(string value, string field)
    {
        if (value.Length == 0) throw Invalid($"{field} is empty");
        if (value.Contains('\0')) throw Invalid($"{field} contains a NUL byte");
    }

    /// <summary>64 lowercase hex digits, or empty: the parent may not know it yet when the module is not precompiled.</summary>
    private static void RequireSha256(string value, string field)
    {
        if (value.Length == 0) return;
        if (value.Length != 64 || !value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
            throw Invalid($"{field} '{value}' is neither empty nor 64 lowercase hex digits");
    }

    private static void RequireForKind(bool present, bool belongs, string field, string outcome)
    {
        if (present && !belongs) throw Invalid($"{field} is set, but the outcome is {outcome}");
        if (!present && belongs) throw Invalid($"{field} is missing for outcome {outcome}");
    }

    private static ProtocolException Invalid(string what) => new($"protocol: {what}");
}
