using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// NOT YET IMPLEMENTED: the Clock group is being written; until then each call returns ENOSYS.
public sealed partial class WasiHost
{
    /// <summary><c>clock_res_get</c>. See docs.md#clock_res_get.</summary>
    public Errno ClockResGet(GuestMemory memory, uint id, uint resolutionPtr) => Errno.Nosys;

    /// <summary><c>clock_time_get</c>. See docs.md#clock_time_get.</summary>
    public Errno ClockTimeGet(GuestMemory memory, uint id, ulong precision, uint timePtr) => Errno.Nosys;

}
