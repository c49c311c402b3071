namespace Wasmbox.Core.Outcomes;

/// <summary>
/// What the guest has used so far, as only its own sandbox can count it (the WASI host and the engine, not the cgroup):
/// the live half of <c>wasmbox stats</c>. A worker sends one when its parent asks (<c>FrameType.UsageAsk</c>).
/// </summary>
/// <remarks>
/// Why "so far" is approximate for two of them: the guest's linear memory is the size the WASI host saw at the guest's
/// latest WASI call (reading it from another thread while wasm runs would touch the engine's store concurrently), and
/// fuel is what the engine has flushed to the store, which compiled code does at calls and function ends. The other
/// counts are exact at the moment of the sample. docs/RATIONALE.md, "Why are live guest figures read as they are?".
/// </remarks>
/// <param name="MemoryBytes">The guest's linear memory (the largest memory), in bytes.</param>
/// <param name="FuelConsumed">Fuel used; null when fuel metering is off.</param>
/// <param name="OpenFds">The guest's open descriptors (stdio and preopens included), counted against <c>--max-open-files</c>.</param>
/// <param name="Refusals">WASI calls the policy refused.</param>
/// <param name="Io">What the guest read and wrote through its descriptors.</param>
/// <param name="Net">What its sockets did; null when the policy gave no network.</param>
public sealed record GuestCounters(long MemoryBytes, ulong? FuelConsumed, int OpenFds, long Refusals, GuestIo Io, NetUsage? Net);

/// <summary>What a guest read and wrote through its descriptors.</summary>
/// <param name="BytesRead">Bytes <c>fd_read</c>/<c>fd_pread</c> gave the guest (files, stdin, sockets).</param>
/// <param name="BytesWritten">Bytes <c>fd_write</c>/<c>fd_pwrite</c> took from it (files, stdout and stderr, sockets).</param>
/// <param name="OutputBytes">Of those, bytes passed to stdout and stderr (counted against <c>--max-output</c>).</param>
/// <param name="DiskWrittenBytes">Bytes charged against <c>--max-disk-write</c>; null without that quota (nothing is measured then).</param>
public sealed record GuestIo(long BytesRead, long BytesWritten, long OutputBytes, long? DiskWrittenBytes)
{
    public static GuestIo Zero { get; } = new(0, 0, 0, null);
}
