using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// random_get over the context's WasiRandom (the OS generator, or the seeded stream of --deterministic).
public sealed partial class WasiHost
{
    /// <summary><c>random_get(buf, buf_len)</c>: fills <paramref name="bufLen"/> bytes at <paramref name="buf"/> with random data.</summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="buf">The buffer to fill (any alignment).</param>
    /// <param name="bufLen">Its length in bytes; 0 writes nothing.</param>
    /// <returns><see cref="Errno.Success"/> always; a buffer out of bounds traps, with nothing written and no randomness used.</returns>
    /// <exception cref="OperationCanceledException">The deadline passed while filling (checked every <see cref="Fs.Blocking.ChunkBytes"/>).</exception>
    /// <remarks>
    /// By default from <see cref="System.Security.Cryptography.RandomNumberGenerator"/>, suitable for keys as the spec
    /// expects; with <c>--deterministic</c>, from <see cref="Randomness.SeededRandom"/>, the same bytes for the same seed.
    /// See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#random_get.
    /// </remarks>
    public Errno RandomGet(GuestMemory memory, uint buf, uint bufLen)
    {
        var destination = memory.Slice(buf, bufLen);
        // Why chunks: filling up to 4 GiB takes seconds, and the deadline must reach the guest in the middle of it.
        for (var at = 0; at < destination.Length; at += Math.Min(Fs.Blocking.ChunkBytes, destination.Length - at))
        {
            Context.Interrupt.ThrowIfCancellationRequested();
            Context.Random.Fill(destination.Slice(at, Math.Min(Fs.Blocking.ChunkBytes, destination.Length - at)));
        }
        return Errno.Success;
    }
}
