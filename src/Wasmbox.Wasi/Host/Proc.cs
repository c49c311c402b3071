using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// NOT YET IMPLEMENTED: the Proc group is being written; until then each call returns ENOSYS.
public sealed partial class WasiHost
{
    /// <summary><c>proc_exit</c>. See docs.md#proc_exit.</summary>
    public Errno ProcExit(GuestMemory memory, uint rval) => Errno.Nosys;

    /// <summary><c>proc_raise</c>. See docs.md#proc_raise.</summary>
    public Errno ProcRaise(GuestMemory memory, uint sig) => Errno.Nosys;

}
