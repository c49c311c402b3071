using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// NOT YET IMPLEMENTED: the Args group is being written; until then each call returns ENOSYS.
public sealed partial class WasiHost
{
    /// <summary><c>args_get</c>. See docs.md#args_get.</summary>
    public Errno ArgsGet(GuestMemory memory, uint argv, uint argvBuf) => Errno.Nosys;

    /// <summary><c>args_sizes_get</c>. See docs.md#args_sizes_get.</summary>
    public Errno ArgsSizesGet(GuestMemory memory, uint argcPtr, uint argvBufSizePtr) => Errno.Nosys;

}
