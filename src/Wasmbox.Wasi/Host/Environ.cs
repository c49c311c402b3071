using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// NOT YET IMPLEMENTED: the Environ group is being written; until then each call returns ENOSYS.
public sealed partial class WasiHost
{
    /// <summary><c>environ_get</c>. See docs.md#environ_get.</summary>
    public Errno EnvironGet(GuestMemory memory, uint environ, uint environBuf) => Errno.Nosys;

    /// <summary><c>environ_sizes_get</c>. See docs.md#environ_sizes_get.</summary>
    public Errno EnvironSizesGet(GuestMemory memory, uint environcPtr, uint environBufSizePtr) => Errno.Nosys;

}
