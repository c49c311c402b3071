using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// NOT YET IMPLEMENTED: the Sched group is being written; until then each call returns ENOSYS.
public sealed partial class WasiHost
{
    /// <summary><c>sched_yield</c>. See docs.md#sched_yield.</summary>
    public Errno SchedYield(GuestMemory memory) => Errno.Nosys;

}
