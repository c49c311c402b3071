using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

/// <summary>
/// Checks for the out-parameters of a call, done before anything is written, so that a call that traps on its second
/// pointer has not already written through its first.
/// </summary>
internal static class GuestRegions
{
    /// <summary>Traps unless <paramref name="count"/> values of <paramref name="size"/> bytes fit at <paramref name="ptr"/>, which must be aligned to <paramref name="alignment"/>.</summary>
    public static void Require(GuestMemory memory, uint ptr, ulong count, uint size, uint alignment)
    {
        if (ptr % alignment != 0) throw WasiTrap.Misaligned(ptr, alignment);
        var length = count * size;
        // Why checked against uint: a region longer than 4 GiB cannot be inside a 32-bit memory.
        if (length > uint.MaxValue) throw WasiTrap.OutOfBounds(ptr, uint.MaxValue, memory.Length);
        memory.Slice(ptr, (uint)length);
    }

    /// <summary>Traps unless a u32 fits, aligned, at <paramref name="ptr"/>.</summary>
    public static void RequireU32(GuestMemory memory, uint ptr) => Require(memory, ptr, 1, 4, 4);
}
