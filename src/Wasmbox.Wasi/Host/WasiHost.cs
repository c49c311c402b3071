using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Host;

/// <summary>
/// The 46 functions of <c>wasi_snapshot_preview1</c>, one method each, named as the import (<c>fd_write</c> →
/// <see cref="FdWrite"/>), split by group over <c>Host/*.cs</c>. Each takes the guest memory for this call and the raw
/// arguments, and returns the errno the guest sees; a bad pointer throws <see cref="WasiTrap"/>.
/// </summary>
/// <remarks>Engine-free: the Wasmtime binding (Wasmbox.Runtime) fetches the memory and calls these, and unit tests call
/// them on <see cref="Memory.PinnedMemory"/>.</remarks>
public sealed partial class WasiHost(WasiContext context)
{
    public WasiContext Context { get; } = context;
}
