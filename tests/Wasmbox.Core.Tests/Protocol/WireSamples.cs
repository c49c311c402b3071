using Wasmbox.Core.Protocol;

namespace Wasmbox.Core.Tests.Protocol;

/// <summary>Valid messages with every member set, for tests to send as they are or to spoil one member of.</summary>
internal static class WireSamples
{
    public const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static WirePolicy Policy() => new(
        [new WireDirGrant("/jail/dirs/0", "/data", ReadOnly: false), new WireDirGrant("/jail/dirs/1", "cfg", ReadOnly: true)],
        [new WireEnvVar("LANG", "C.UTF-8"), new WireEnvVar("EMPTY", ""), new WireEnvVar("EQ", "a=b")],
        new WireLimits(MaxMemoryBytes: 64 << 20, Fuel: 1_000_000, TimeoutMs: 1500.1234, MaxOpenFiles: 16,
            MaxDiskWriteBytes: 1 << 20, MaxOutputBytes: 4096, CpuTimeMs: 250) { MaxConnections = 4, MaxNetBytes = 1 << 20 },
        WirePolicy.StdinFrames,
        DeterministicSeed: 42)
    {
        AllowNet = ["api.example.com:443", "*.example.org:8000-8099", "10.0.0.0/8:*", "bind:[::1]:8080"],
    };

    public static WorkerAssignment Assignment() => new(
        Frames.ProtocolVersion, "/jail/module.cwasm", Precompiled: true, Sha, "app.wasm", ["--flag", "", "ünïcode"],
        Policy(), Trace: true, ListenerFds: [3, 7], StdoutFd: 8, StderrFd: 8, SpentMs: 17, EpochChecks: true, BrokerFd: 9);

    public static WorkerResult Result() => new(
        "exited", GuestExitCode: 3, Trap: null, "exited with code 3", SetupStage: null,
        WallMs: 12.3456, CpuMs: 0.0001, FuelConsumed: 99, PeakMemoryBytes: 131072, PeakRssBytes: 20 << 20,
        LimitsHit: ["fuel", "max-output", "max-connections"], Sha)
    {
        Net = new WireNetUsage(ConnectionsMade: 3, ConnectionsRefused: 1, BytesSent: 1234, BytesReceived: 56789),
    };
}
