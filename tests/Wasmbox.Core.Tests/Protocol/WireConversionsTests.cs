using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Core.Protocol;

namespace Wasmbox.Core.Tests.Protocol;

public class WireConversionsTests
{
    /// <summary>Serializes and parses back, so every round trip also crosses the JSON.</summary>
    private static T ThroughJson<T>(T message) => ProtocolJson.Deserialize<T>(ProtocolJson.Serialize(message));

    private static WorkerAssignment AssignmentWith(WirePolicy policy) => WireSamples.Assignment() with { Policy = policy };

    private static SandboxPolicy FullPolicy() => new()
    {
        Dirs = [new DirGrant("/home/u/data", "/data", ReadOnly: false), new DirGrant("/etc/app", "cfg", ReadOnly: true)],
        Env = [new("LANG", "C.UTF-8"), new("EMPTY", ""), new("EQ", "a=b")],
        Limits = new SandboxLimits(64L << 20, 5_000_000, TimeSpan.FromTicks(12_345_678_901))
        {
            MaxOpenFiles = 32,
            MaxDiskWriteBytes = 1L << 30,
            MaxOutputBytes = 0,
            CpuTime = TimeSpan.FromTicks(98_765),
            Cpus = 0.5,
            MaxConnections = 0,
            MaxNetBytes = long.MaxValue,
        },
        Stdin = new StdinSource.FromFile("/tmp/in.txt"),
        Isolation = IsolationTier.Jail,
        Listen = ["127.0.0.1:8080"],
        Net = new NetPolicy([.. NetRules.Select(r => NetRule.Parse(r))]),
        DeterministicSeed = ulong.MaxValue,
    };

    private static readonly string[] NetRules = ["api.example.com:443", " *.Example.ORG.:8000-8099 ", "10.0.0.0/8:*", "bind:[::1]:8080", "connect:[fd00::]/8:53"];

    [Fact]
    public void ToWire_FullPolicy_CarriesEveryMemberWithMappedHostPaths()
    {
        var policy = FullPolicy();
        var wire = policy.ToWire(g => "/jail" + g.HostPath, stdinFrames: true);

        Assert.Equal([new WireDirGrant("/jail/home/u/data", "/data", false), new WireDirGrant("/jail/etc/app", "cfg", true)], wire.Dirs);
        Assert.Equal([new WireEnvVar("LANG", "C.UTF-8"), new WireEnvVar("EMPTY", ""), new WireEnvVar("EQ", "a=b")], wire.Env);
        Assert.Equal(new WireLimits(64L << 20, 5_000_000, 1_234_567.8901, 32, 1L << 30, 0, 9.8765) { MaxConnections = 0, MaxNetBytes = long.MaxValue }, wire.Limits);
        Assert.Equal(NetRules, wire.AllowNet); // as written, for the worker to parse again
        Assert.Equal(WirePolicy.StdinFrames, wire.Stdin);
        Assert.Equal(ulong.MaxValue, wire.DeterministicSeed);
    }

    [Fact]
    public void ToPolicy_FullPolicyThroughJson_RoundTripsExceptIsolationStdinListenAndCpus()
    {
        var policy = FullPolicy();
        var back = ThroughJson(AssignmentWith(policy.ToWire(g => g.HostPath, stdinFrames: true))).Policy.ToPolicy(out var fromFrames);

        Assert.True(fromFrames);
        var expected = policy with
        {
            Isolation = IsolationTier.None, Stdin = new StdinSource.None(), Listen = [], Limits = policy.Limits with { Cpus = null },
        };
        // The rules compare as records (an IPAddress's properties cannot all be read, so not through Equivalent).
        Assert.Equal(policy.Net.Rules, back.Net.Rules);
        Assert.Equivalent(expected with { Net = NetPolicy.None }, back with { Net = NetPolicy.None }, strict: true);
        Assert.Equal(expected.Limits, back.Limits);
        Assert.Equal(policy.Limits.Timeout, back.Limits.Timeout);
        Assert.Equal(policy.Limits.CpuTime, back.Limits.CpuTime);
    }

    [Fact]
    public void ToPolicy_DenyAll_RoundTripsToDenyAllInProcess()
    {
        var back = ThroughJson(AssignmentWith(SandboxPolicy.DenyAll.ToWire(g => g.HostPath, stdinFrames: false))).Policy.ToPolicy(out var fromFrames);
        Assert.False(fromFrames);
        Assert.Equivalent(SandboxPolicy.DenyAll with { Isolation = IsolationTier.None }, back, strict: true);
        Assert.True(back.Net.IsNone);
        Assert.Equal(SandboxLimits.None, back.Limits);
    }

    [Fact]
    public void ToWire_StdinNotFromFrames_IsNone()
    {
        Assert.Equal(WirePolicy.StdinNone, FullPolicy().ToWire(g => g.HostPath, stdinFrames: false).Stdin);
    }

    [Fact]
    public void ToPolicy_StdinFrames_IsNoneUntilTheWorkerReplacesIt()
    {
        var policy = (WireSamples.Policy() with { Stdin = WirePolicy.StdinFrames }).ToPolicy();
        Assert.IsType<StdinSource.None>(policy.Stdin);
        Assert.Equal(IsolationTier.None, policy.Isolation);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9_999)]
    [InlineData(12_345_678_901)]
    [InlineData(long.MaxValue / 4096)]
    public void ToPolicy_Timeout_RoundTripsToTheTick(long ticks)
    {
        var policy = SandboxPolicy.DenyAll with { Limits = new SandboxLimits(null, null, TimeSpan.FromTicks(ticks)) };
        var back = ThroughJson(AssignmentWith(policy.ToWire(g => g.HostPath, false))).Policy.ToPolicy();
        Assert.Equal(ticks, back.Limits.Timeout?.Ticks);
    }

    [Theory]
    [InlineData("relative_host_path", "policy.dirs[0].host_path 'data' is not an absolute path")]
    [InlineData("empty_host_path", "policy.dirs[0].host_path is empty")]
    [InlineData("nul_host_path", "policy.dirs[0].host_path contains a NUL byte")]
    [InlineData("empty_guest_path", "policy.dirs[1].guest_path is empty")]
    [InlineData("nul_guest_path", "policy.dirs[1].guest_path contains a NUL byte")]
    [InlineData("duplicate_guest_path", "policy.dirs[1].guest_path '/data' is granted twice")]
    [InlineData("empty_env_name", "policy.env[0].name is empty")]
    [InlineData("env_name_with_equals", "policy.env[0].name 'A=B' contains '='")]
    [InlineData("nul_env_name", "policy.env[0].name contains a NUL byte")]
    [InlineData("nul_env_value", "policy.env[2].value of EQ contains a NUL byte")]
    [InlineData("duplicate_env_name", "policy.env[1].name 'LANG' is set twice")]
    [InlineData("negative_memory", "policy.limits.max_memory_bytes -1 is negative")]
    [InlineData("negative_open_files", "policy.limits.max_open_files -3 is negative")]
    [InlineData("negative_disk_write", "policy.limits.max_disk_write_bytes -1 is negative")]
    [InlineData("negative_output", "policy.limits.max_output_bytes -1 is negative")]
    [InlineData("negative_timeout", "policy.limits.timeout_ms -1 is not a finite, non-negative")]
    [InlineData("nan_timeout", "policy.limits.timeout_ms NaN is not a finite")]
    [InlineData("infinite_timeout", "policy.limits.timeout_ms Infinity is not a finite")]
    [InlineData("huge_timeout", "policy.limits.timeout_ms 1E+300 is longer than the longest duration")]
    [InlineData("negative_cpu_time", "policy.limits.cpu_time_ms -0.5 is not a finite")]
    [InlineData("stdin_inherit", "policy.stdin 'inherit' is not none or frames")]
    [InlineData("stdin_empty", "policy.stdin '' is not none or frames")]
    [InlineData("negative_connections", "policy.limits.max_connections -1 is negative")]
    [InlineData("negative_net_bytes", "policy.limits.max_net_bytes -1 is negative")]
    [InlineData("bad_rule", "policy.allow_net[1] 'example.com': no HOST:PORTS")]
    [InlineData("empty_rule", "policy.allow_net[0] '': no HOST:PORTS")]
    [InlineData("nul_rule", "policy.allow_net[0] 'a\0b.com:80': ")]
    [InlineData("listen_rule", "policy.allow_net[0] 'listen:1.2.3.4:80': ")]
    [InlineData("host_bits_rule", "policy.allow_net[0] '10.0.0.1/8:*': 10.0.0.1/8 has host bits set")]
    public void ToPolicy_InvalidValue_ThrowsNamingTheField(string spoil, string expected)
    {
        var ok = WireSamples.Policy();
        var limits = ok.Limits;
        var wire = spoil switch
        {
            "relative_host_path" => ok with { Dirs = [new("data", "/data", false)] },
            "empty_host_path" => ok with { Dirs = [new("", "/data", false)] },
            "nul_host_path" => ok with { Dirs = [new("/da\0ta", "/data", false)] },
            "empty_guest_path" => ok with { Dirs = [ok.Dirs[0], new("/b", "", false)] },
            "nul_guest_path" => ok with { Dirs = [ok.Dirs[0], new("/b", "/x\0", false)] },
            "duplicate_guest_path" => ok with { Dirs = [ok.Dirs[0], new("/other", "/data", true)] },
            "empty_env_name" => ok with { Env = [new("", "v")] },
            "env_name_with_equals" => ok with { Env = [new("A=B", "v")] },
            "nul_env_name" => ok with { Env = [new("A\0", "v")] },
            "nul_env_value" => ok with { Env = [.. ok.Env.Take(2), new("EQ", "a\0b")] },
            "duplicate_env_name" => ok with { Env = [new("LANG", "C"), new("LANG", "D")] },
            "negative_memory" => ok with { Limits = limits with { MaxMemoryBytes = -1 } },
            "negative_open_files" => ok with { Limits = limits with { MaxOpenFiles = -3 } },
            "negative_disk_write" => ok with { Limits = limits with { MaxDiskWriteBytes = -1 } },
            "negative_output" => ok with { Limits = limits with { MaxOutputBytes = -1 } },
            "negative_timeout" => ok with { Limits = limits with { TimeoutMs = -1 } },
            "nan_timeout" => ok with { Limits = limits with { TimeoutMs = double.NaN } },
            "infinite_timeout" => ok with { Limits = limits with { TimeoutMs = double.PositiveInfinity } },
            "huge_timeout" => ok with { Limits = limits with { TimeoutMs = 1e300 } },
            "negative_cpu_time" => ok with { Limits = limits with { CpuTimeMs = -0.5 } },
            "stdin_inherit" => ok with { Stdin = "inherit" },
            "stdin_empty" => ok with { Stdin = "" },
            "negative_connections" => ok with { Limits = limits with { MaxConnections = -1 } },
            "negative_net_bytes" => ok with { Limits = limits with { MaxNetBytes = -1 } },
            "bad_rule" => ok with { AllowNet = ["api.example.com:443", "example.com"] },
            "empty_rule" => ok with { AllowNet = [""] },
            "nul_rule" => ok with { AllowNet = ["a\0b.com:80"] },
            "listen_rule" => ok with { AllowNet = ["listen:1.2.3.4:80"] },
            "host_bits_rule" => ok with { AllowNet = ["10.0.0.1/8:*"] },
            _ => throw new ArgumentException(spoil),
        };

        var e = Assert.Throws<ProtocolException>(() => wire.ToPolicy());
        Assert.StartsWith("protocol: " + expected, e.Message);
        Assert.Throws<ProtocolException>(() => AssignmentWith(wire).Validate());
    }

    [Fact]
    public void Validate_SampleAssignment_Passes()
    {
        WireSamples.Assignment().Validate();
    }

    [Fact]
    public void Validate_EmptySha256_PassesForAModuleTheParentHasNotRead()
    {
        (WireSamples.Assignment() with { ModuleSha256 = "", Precompiled = false }).Validate();
    }

    [Fact]
    public void ToRunResult_EmptySha256_IsKept()
    {
        Assert.Equal("", (WireSamples.Result() with { ModuleSha256 = "" }).ToRunResult().ModuleSha256);
    }

    [Theory]
    [InlineData("wrong_protocol", "version mismatch: the parent speaks protocol 1")]
    [InlineData("relative_module", "module_path 'app.wasm' is not an absolute path")]
    [InlineData("empty_module", "module_path is empty")]
    [InlineData("nul_module", "module_path contains a NUL byte")]
    [InlineData("short_sha", "module_sha256 'abc' is neither empty nor 64 lowercase hex digits")]
    [InlineData("upper_sha", "module_sha256 '0123456789ABCDEF")]
    [InlineData("nul_argv0", "argv0 contains a NUL byte")]
    [InlineData("nul_arg", "args[1] contains a NUL byte")]
    [InlineData("stdio_fd", "listener_fds[1] 2 is not above stdin, stdout and stderr")]
    [InlineData("negative_fd", "listener_fds[0] -1 is not above")]
    [InlineData("duplicate_fd", "listener_fds[2] 3 is listed twice")]
    [InlineData("stdout_on_stdio", "stdout_fd 1 is not above stdin, stdout and stderr")]
    [InlineData("stderr_is_listener", "stderr_fd 7 is also a listener")]
    [InlineData("broker_on_stdio", "broker_fd 2 is not above stdin, stdout and stderr")]
    [InlineData("broker_is_listener", "broker_fd 7 is also a listener or an output")]
    [InlineData("broker_is_output", "broker_fd 8 is also a listener or an output")]
    [InlineData("bad_policy", "policy.stdin 'file' is not none or frames")]
    public void Validate_InvalidAssignment_ThrowsNamingTheField(string spoil, string expected)
    {
        var ok = WireSamples.Assignment();
        var assignment = spoil switch
        {
            "wrong_protocol" => ok with { Protocol = 1 },
            "relative_module" => ok with { ModulePath = "app.wasm" },
            "empty_module" => ok with { ModulePath = "" },
            "nul_module" => ok with { ModulePath = "/a\0b" },
            "short_sha" => ok with { ModuleSha256 = "abc" },
            "upper_sha" => ok with { ModuleSha256 = WireSamples.Sha.ToUpperInvariant() },
            "nul_argv0" => ok with { Argv0 = "a\0" },
            "nul_arg" => ok with { Args = ["a", "b\0c"] },
            "stdio_fd" => ok with { ListenerFds = [3, 2] },
            "negative_fd" => ok with { ListenerFds = [-1] },
            "duplicate_fd" => ok with { ListenerFds = [3, 4, 3] },
            "stdout_on_stdio" => ok with { StdoutFd = 1 },
            "stderr_is_listener" => ok with { StderrFd = 7 },
            "broker_on_stdio" => ok with { BrokerFd = 2 },
            "broker_is_listener" => ok with { BrokerFd = 7 },
            "broker_is_output" => ok with { BrokerFd = 8 },
            "bad_policy" => ok with { Policy = ok.Policy with { Stdin = "file" } },
            _ => throw new ArgumentException(spoil),
        };

        var e = Assert.Throws<ProtocolException>(assignment.Validate);
        Assert.StartsWith("protocol: " + expected, e.Message);
    }

    public static TheoryData<OutcomeKind> EveryOutcomeKind() => [.. Enum.GetValues<OutcomeKind>()];

    private static RunOutcome SampleOutcome(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Exited => RunOutcome.Exited(7),
        OutcomeKind.Trapped => RunOutcome.Trapped("MemoryOutOfBounds", "trapped: out of bounds memory access"),
        OutcomeKind.Timeout => RunOutcome.TimedOut(TimeSpan.FromSeconds(2)),
        OutcomeKind.OutOfFuel => RunOutcome.OutOfFuel(1000),
        OutcomeKind.MemoryLimit => RunOutcome.MemoryLimit("initial memory of 2 GiB is above --max-memory 64 MiB"),
        OutcomeKind.SetupFailed => RunOutcome.SetupFailed(SetupStage.Link, "unknown import env.foo"),
        OutcomeKind.Killed => RunOutcome.Killed("killed by signal 9"),
    };

    [Theory]
    [MemberData(nameof(EveryOutcomeKind))]
    public void ToRunResult_EveryOutcomeKindThroughJson_RoundTrips(OutcomeKind kind)
    {
        var usage = new ResourceUsage(TimeSpan.FromTicks(123_456_789), TimeSpan.FromTicks(1), kind == OutcomeKind.OutOfFuel ? 1000UL : null,
            65536 * 3, [.. Enum.GetValues<LimitKind>()]);
        var result = new RunResult(SampleOutcome(kind), usage, kind == OutcomeKind.SetupFailed ? null : WireSamples.Sha);

        var wire = ThroughJson(result.ToWire(peakRssBytes: 12_345_678));
        var back = wire.ToRunResult();

        Assert.Equal(kind.Name(), wire.Outcome);
        Assert.Equal(12_345_678, wire.PeakRssBytes);
        Assert.Equal(12_345_678, back.Usage.PeakRssBytes);
        Assert.Equivalent(result with { Usage = usage with { PeakRssBytes = 12_345_678 } }, back, strict: true);
        Assert.Equal(result.Outcome, back.Outcome);
        Assert.Equal(result.Usage.Wall, back.Usage.Wall);
        Assert.Equal(result.Outcome.ExitStatus, back.Outcome.ExitStatus);
    }

    [Fact]
    public void ToRunResult_NetUsageThroughJson_RoundTrips()
    {
        var net = new NetUsage(ConnectionsMade: 2, ConnectionsRefused: 5, BytesSent: long.MaxValue, BytesReceived: 0);
        var result = new RunResult(RunOutcome.Exited(0), ResourceUsage.Zero with { Net = net, LimitsHit = [LimitKind.MaxNetBytes] }, null);

        var wire = ThroughJson(result.ToWire(null));

        Assert.Equal(new WireNetUsage(2, 5, long.MaxValue, 0), wire.Net);
        Assert.Equal(["max-net-bytes"], wire.LimitsHit);
        Assert.Equal(net, wire.ToRunResult().Usage.Net);
    }

    [Fact]
    public void ToRunResult_NoNetUsage_StaysNull()
    {
        var wire = ThroughJson(new RunResult(RunOutcome.Exited(0), ResourceUsage.Zero, null).ToWire(null));
        Assert.Null(wire.Net);
        Assert.Null(wire.ToRunResult().Usage.Net);
    }

    [Fact]
    public void ToRunResult_EverySetupStage_RoundTrips()
    {
        foreach (var stage in Enum.GetValues<SetupStage>())
        {
            var result = new RunResult(RunOutcome.SetupFailed(stage, "x"), ResourceUsage.Zero, null);
            Assert.Equal(stage, ThroughJson(result.ToWire(null)).ToRunResult().Outcome.Stage);
        }
    }

    [Fact]
    public void ToWire_Result_UsesReportNames()
    {
        var usage = ResourceUsage.Zero with { LimitsHit = [LimitKind.MaxMemory, LimitKind.MaxOpenFiles] };
        var wire = new RunResult(RunOutcome.SetupFailed(SetupStage.ReadModule, "no such file"), usage, null).ToWire(null);
        Assert.Equal("setup_failed", wire.Outcome);
        Assert.Equal("read_module", wire.SetupStage);
        Assert.Equal(["max-memory", "max-open-files"], wire.LimitsHit);
        Assert.Null(wire.PeakRssBytes);
    }

    [Fact]
    public void ParseNames_EveryEnumValue_ParsesBackFromItsName()
    {
        foreach (var kind in Enum.GetValues<OutcomeKind>())
            Assert.Equal(kind, WireConversions.ParseOutcomeKind(kind.Name()));
        foreach (var stage in Enum.GetValues<SetupStage>())
            Assert.Equal(stage, WireConversions.ParseSetupStage(stage.Name()));
        foreach (var limit in Enum.GetValues<LimitKind>())
            Assert.Equal(limit, WireConversions.ParseLimitKind(limit.Name()));
    }

    [Theory]
    [InlineData("crashed")]
    [InlineData("Exited")]
    [InlineData("out-of-fuel")]
    [InlineData("")]
    public void ParseOutcomeKind_UnknownName_Throws(string name)
    {
        var e = Assert.Throws<ProtocolException>(() => WireConversions.ParseOutcomeKind(name));
        Assert.Equal($"protocol: unknown outcome '{name}'", e.Message);
    }

    [Theory]
    [InlineData("readmodule")]
    [InlineData("Policy")]
    public void ParseSetupStage_UnknownName_Throws(string name)
    {
        Assert.Throws<ProtocolException>(() => WireConversions.ParseSetupStage(name));
    }

    [Theory]
    [InlineData("max_memory")]
    [InlineData("MaxMemory")]
    [InlineData("cpu")]
    public void ParseLimitKind_UnknownName_Throws(string name)
    {
        Assert.Throws<ProtocolException>(() => WireConversions.ParseLimitKind(name));
    }

    [Theory]
    [InlineData("unknown_outcome", "unknown outcome 'crashed'")]
    [InlineData("unknown_stage", "unknown setup stage 'bogus'")]
    [InlineData("unknown_limit", "unknown limit 'max_memory'")]
    [InlineData("exited_without_code", "guest_exit_code is missing for outcome exited")]
    [InlineData("code_on_trap", "guest_exit_code is set, but the outcome is trapped")]
    [InlineData("trapped_without_trap", "trap is missing for outcome trapped")]
    [InlineData("trap_on_exit", "trap is set, but the outcome is exited")]
    [InlineData("setup_failed_without_stage", "setup_stage is missing for outcome setup_failed")]
    [InlineData("stage_on_timeout", "setup_stage is set, but the outcome is timeout")]
    [InlineData("negative_wall", "wall_ms -1 is not a finite, non-negative")]
    [InlineData("nan_cpu", "cpu_ms NaN is not a finite")]
    [InlineData("negative_peak_memory", "peak_memory_bytes -1 is negative")]
    [InlineData("negative_peak_rss", "peak_rss_bytes -1 is negative")]
    [InlineData("bad_sha", "module_sha256 'xyz' is neither empty nor 64 lowercase hex digits")]
    [InlineData("negative_connections_made", "net.connections_made -1 is negative")]
    [InlineData("negative_connections_refused", "net.connections_refused -2 is negative")]
    [InlineData("negative_bytes_sent", "net.bytes_sent -3 is negative")]
    [InlineData("negative_bytes_received", "net.bytes_received -9223372036854775808 is negative")]
    public void ToRunResult_InvalidResult_ThrowsNamingTheField(string spoil, string expected)
    {
        var ok = WireSamples.Result();
        var wire = spoil switch
        {
            "unknown_outcome" => ok with { Outcome = "crashed" },
            "unknown_stage" => ok with { Outcome = "setup_failed", GuestExitCode = null, SetupStage = "bogus" },
            "unknown_limit" => ok with { LimitsHit = ["fuel", "max_memory"] },
            "exited_without_code" => ok with { GuestExitCode = null },
            "code_on_trap" => ok with { Outcome = "trapped", Trap = "Unreachable" },
            "trapped_without_trap" => ok with { Outcome = "trapped", GuestExitCode = null },
            "trap_on_exit" => ok with { Trap = "Unreachable" },
            "setup_failed_without_stage" => ok with { Outcome = "setup_failed", GuestExitCode = null },
            "stage_on_timeout" => ok with { Outcome = "timeout", GuestExitCode = null, SetupStage = "link" },
            "negative_wall" => ok with { WallMs = -1 },
            "nan_cpu" => ok with { CpuMs = double.NaN },
            "negative_peak_memory" => ok with { PeakMemoryBytes = -1 },
            "negative_peak_rss" => ok with { PeakRssBytes = -1 },
            "bad_sha" => ok with { ModuleSha256 = "xyz" },
            "negative_connections_made" => ok with { Net = ok.Net! with { ConnectionsMade = -1 } },
            "negative_connections_refused" => ok with { Net = ok.Net! with { ConnectionsRefused = -2 } },
            "negative_bytes_sent" => ok with { Net = ok.Net! with { BytesSent = -3 } },
            "negative_bytes_received" => ok with { Net = ok.Net! with { BytesReceived = long.MinValue } },
            _ => throw new ArgumentException(spoil),
        };

        var e = Assert.Throws<ProtocolException>(wire.ToRunResult);
        Assert.StartsWith("protocol: " + expected, e.Message);
    }

    [Fact]
    public void Usage_RoundTrip_KeepsEveryCount()
    {
        var counters = new GuestCounters(48L << 20, 12345, 5, 2, new GuestIo(10, 20, 15, 7), new NetUsage(1, 2, 3, 4));
        Assert.Equal(counters, ThroughJson(counters.ToWire()).ToCounters());
        var noNet = counters with { FuelConsumed = null, Net = null, Io = new GuestIo(0, 0, 0, null) };
        Assert.Equal(noNet, ThroughJson(noNet.ToWire()).ToCounters());
    }

    [Fact]
    public void Usage_WithoutARunningGuest_IsNoCounters()
    {
        Assert.Null(ThroughJson(((GuestCounters?)null).ToWire()).ToCounters());
    }

    [Theory]
    [InlineData("memory_bytes")]
    [InlineData("open_fds")]
    [InlineData("io.bytes_read")]
    [InlineData("io.disk_written_bytes")]
    [InlineData("net.bytes_sent")]
    public void Usage_NegativeCount_IsRefused(string field)
    {
        var ok = new GuestCounters(1, 1, 3, 0, new GuestIo(1, 1, 1, 1), new NetUsage(0, 0, 0, 0)).ToWire();
        var wire = field switch
        {
            "memory_bytes" => ok with { MemoryBytes = -1 },
            "open_fds" => ok with { OpenFds = -1 },
            "io.bytes_read" => ok with { Io = ok.Io with { BytesRead = -1 } },
            "io.disk_written_bytes" => ok with { Io = ok.Io with { DiskWrittenBytes = -1 } },
            _ => ok with { Net = ok.Net! with { BytesSent = -1 } },
        };
        var e = Assert.Throws<ProtocolException>(() => wire.ToCounters());
        Assert.Contains(field, e.Message);
    }
}
