using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// NOT YET IMPLEMENTED: the Random group is being written; until then each call returns ENOSYS.
public sealed partial class WasiHost
{
    /// <summary><c>random_get</c>. See docs.md#random_get.</summary>
    public Errno RandomGet(GuestMemory memory, uint buf, uint bufLen) => Errno.Nosys;

}
