using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// sched_yield.
public sealed partial class WasiHost
{
    /// <summary><c>sched_yield()</c>: gives up the rest of the guest thread's time slice (<see cref="Thread.Yield"/>).</summary>
    /// <param name="memory">Unused.</param>
    /// <returns><see cref="Errno.Success"/> always, whether or not another thread was ready to run.</returns>
    /// <remarks>See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sched_yield.</remarks>
    public Errno SchedYield(GuestMemory memory)
    {
        Thread.Yield();
        return Errno.Success;
    }
}
