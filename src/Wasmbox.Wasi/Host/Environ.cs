using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// environ_get / environ_sizes_get: the guest's environment (WasiOptions.Env, empty by default) as "NAME=VALUE" strings,
// encoded once per host.
public sealed partial class WasiHost
{
    private EncodedStrings? _environ;

    private EncodedStrings EncodedEnviron => _environ ??= new EncodedStrings(Context.Options.Env.Select(e => $"{e.Key}={e.Value}"));

    /// <summary>
    /// <c>environ_get(environ, environ_buf)</c>: writes the environment, one <c>NAME=VALUE</c> string per variable, in
    /// the order given. The guest sizes both regions with <see cref="EnvironSizesGet"/> first.
    /// </summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="environ">Where the array of u32 pointers goes, one per variable (aligned to 4).</param>
    /// <param name="environBuf">Where the NUL-terminated UTF-8 strings go, packed.</param>
    /// <returns><see cref="Errno.Success"/> always; a region out of bounds or a misaligned <paramref name="environ"/> traps, with nothing written.</returns>
    /// <remarks>
    /// For <c>A=1, BC=xy</c>, <c>environ_get(environ=16, environ_buf=32)</c> writes:
    /// <code>
    ///   16: [32 u32][36 u32]
    ///   32: 'A' '=' '1' 0 'B' 'C' '=' 'x' 'y' 0
    /// </code>
    /// See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#environ_get.
    /// </remarks>
    public Errno EnvironGet(GuestMemory memory, uint environ, uint environBuf)
    {
        EncodedEnviron.WriteTo(memory, environ, environBuf);
        return Errno.Success;
    }

    /// <summary><c>environ_sizes_get() -> (count, buf_size)</c>: the number of variables and the bytes <see cref="EnvironGet"/> needs for the strings.</summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="environcPtr">Where the number of variables goes (u32, aligned to 4).</param>
    /// <param name="environBufSizePtr">Where the total size of the strings, NULs included, goes (u32, aligned to 4).</param>
    /// <returns><see cref="Errno.Success"/> always; a bad pointer traps, with neither value written.</returns>
    /// <remarks>For <c>A=1, BC=xy</c>: count = 2, buf_size = 10. See docs.md#environ_sizes_get.</remarks>
    public Errno EnvironSizesGet(GuestMemory memory, uint environcPtr, uint environBufSizePtr)
    {
        EncodedEnviron.WriteSizes(memory, environcPtr, environBufSizePtr);
        return Errno.Success;
    }
}
