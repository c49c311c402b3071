using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// NOT YET IMPLEMENTED: the Poll group is being written; until then each call returns ENOSYS.
public sealed partial class WasiHost
{
    /// <summary><c>poll_oneoff</c>. See docs.md#poll_oneoff.</summary>
    public Errno PollOneoff(GuestMemory memory, uint inPtr, uint outPtr, uint nsubscriptions, uint neventsPtr) => Errno.Nosys;

}
