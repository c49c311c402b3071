namespace Wasmbox.Wasi;

/// <summary>
/// The call must trap rather than return an errno: a bad guest pointer, or a host-side invariant broken (which must
/// fail closed). The binding turns it into a wasm trap; the run ends as <c>trapped</c>.
/// </summary>
public sealed class WasiTrap(string message) : Exception(message)
{
    public static WasiTrap OutOfBounds(uint ptr, uint len, ulong memoryLength) =>
        new($"out-of-bounds guest pointer: {len} bytes at 0x{ptr:x} in a memory of {memoryLength} bytes");

    public static WasiTrap Misaligned(uint ptr, uint alignment) =>
        new($"misaligned guest pointer: 0x{ptr:x} is not aligned to {alignment} bytes");
}

/// <summary>The guest called <c>proc_exit</c>: unwinds the guest; the runner reads <see cref="Code"/>.</summary>
public sealed class WasiProcExit(int code) : Exception($"proc_exit({code})")
{
    public int Code { get; } = code;
}
