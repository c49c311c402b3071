using System.Net.Sockets;
using Wasmbox.Core.Policy;
using Wasmbox.Wasi.Tracing;

namespace Wasmbox.Wasi;

/// <summary>Everything one guest's WASI world is made of. Deny by default: the defaults grant nothing.</summary>
public sealed record WasiOptions
{
    /// <summary>The guest's argv, argv[0] included.</summary>
    public IReadOnlyList<string> Argv { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    /// <summary>Directory grants, preopened as fd 3, 4, … in this order.</summary>
    public IReadOnlyList<DirGrant> Preopens { get; init; } = [];

    /// <summary>Listening sockets preopened after the directories (<c>--listen</c>); owned by the context once given.</summary>
    public IReadOnlyList<Socket> Listeners { get; init; } = [];

    /// <summary>fd 0; null reads as end of file.</summary>
    public Stream? Stdin { get; init; }

    /// <summary>fd 1; null discards.</summary>
    public Stream? Stdout { get; init; }

    /// <summary>fd 2; null discards.</summary>
    public Stream? Stderr { get; init; }

    /// <summary>When set, clocks start at a fixed instant and advance only with the guest's own actions, and random_get is seeded with this value.</summary>
    public ulong? DeterministicSeed { get; init; }

    /// <summary><c>--max-open-files</c>: descriptors open at once, stdio and preopens included (EMFILE beyond).</summary>
    public int? MaxOpenFiles { get; init; }

    /// <summary>
    /// <c>--max-disk-write</c>: bytes the guest may make the host store under its grants over the run, counted in
    /// allocated blocks, with a minimum per new entry (Fs/DiskCharge.cs); EDQUOT beyond.
    /// </summary>
    public long? MaxDiskWriteBytes { get; init; }

    /// <summary><c>--max-output</c>: bytes written to stdout and stderr together; beyond it output is dropped.</summary>
    public long? MaxOutputBytes { get; init; }

    /// <summary>
    /// Lets path_open open character and block devices and FIFOs found beneath a grant. Default false: they are refused
    /// with EACCES, as the jail's <c>nodev</c> mounts refuse devices, so every tier agrees. When allowed, the host
    /// descriptor is always nonblocking (opening a FIFO never waits for its other end, and a write-only open of a FIFO
    /// without a reader fails with ENXIO); a guest that did not ask for nonblock still gets blocking reads and writes,
    /// which end at the deadline.
    /// </summary>
    public bool AllowSpecialFiles { get; init; }

    /// <summary>
    /// <c>--allow-net</c>: where the guest's own sockets (WASIX <c>sock_open</c>) may connect and bind, and which names
    /// it may resolve. <see cref="NetPolicy.None"/> by default: no network at all.
    /// </summary>
    public NetPolicy Net { get; init; } = NetPolicy.None;

    /// <summary>
    /// Opens the host sockets the policy allowed (and resolves names); null opens them in this process
    /// (<see cref="Net.DirectSocketOpener"/>). A jailed worker passes an opener that asks its parent's broker.
    /// </summary>
    public Net.ISocketOpener? SocketOpener { get; init; }

    /// <summary><c>--max-connections</c>: guest sockets open at once (opened with sock_open or accepted); EMFILE beyond.</summary>
    public int? MaxConnections { get; init; }

    /// <summary><c>--max-net-bytes</c>: bytes sent and received over the guest's sockets together, over the run; beyond it sends and receives fail.</summary>
    public long? MaxNetBytes { get; init; }

    /// <summary>
    /// Test-only: the host skips its own policy check and leaves every decision to <see cref="SocketOpener"/>. Set only
    /// by a worker built with the <c>TEST_HOOKS</c> constant, so tests can show that the jail's broker and the jail
    /// itself still refuse; never set by any shipped code path.
    /// </summary>
    public bool SkipNetCheck { get; init; }

    /// <summary>Sees every call; null for none (no cost).</summary>
    public IWasiTraceSink? Trace { get; init; }
}
