using System.Text;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

/// <summary>
/// A list of strings (argv, or the environment as <c>NAME=VALUE</c>) encoded once as the guest receives it: UTF-8, each
/// string followed by a NUL, packed one after the other. Serves <c>args_*</c> and <c>environ_*</c>, which share a layout.
/// </summary>
/// <remarks>
/// The layout <c>*_get(ptrs, buf)</c> writes, for the strings "a" and "bc":
/// <code>
///   ptrs: [buf+0 u32][buf+2 u32]      (count × u32, aligned to 4)
///   buf:  'a' 0 'b' 'c' 0             (BufferSize bytes, any alignment)
/// </code>
/// A string with a NUL inside reaches the guest cut short at it, as a C program would read it anyway.
/// </remarks>
internal sealed class EncodedStrings
{
    private readonly byte[] _buffer;
    private readonly uint[] _offsets;

    public EncodedStrings(IEnumerable<string> strings)
    {
        var offsets = new List<uint>();
        var buffer = new List<byte>();
        foreach (var s in strings)
        {
            offsets.Add((uint)buffer.Count);
            buffer.AddRange(Encoding.UTF8.GetBytes(s));
            buffer.Add(0);
        }
        _buffer = [.. buffer];
        _offsets = [.. offsets];
    }

    public uint Count => (uint)_offsets.Length;

    /// <summary>Total bytes of the packed strings, NULs included.</summary>
    public uint BufferSize => (uint)_buffer.Length;

    /// <summary><c>*_sizes_get</c>: writes <see cref="Count"/> at <paramref name="countPtr"/> and <see cref="BufferSize"/> at <paramref name="sizePtr"/>; traps (writing neither) when either pointer is bad.</summary>
    public void WriteSizes(GuestMemory memory, uint countPtr, uint sizePtr)
    {
        GuestRegions.RequireU32(memory, countPtr);
        GuestRegions.RequireU32(memory, sizePtr);
        memory.WriteU32(countPtr, Count);
        memory.WriteU32(sizePtr, BufferSize);
    }

    /// <summary><c>*_get</c>: writes the pointer array at <paramref name="ptrs"/> and the packed strings at <paramref name="buf"/>; traps (writing nothing) when either region is out of bounds or <paramref name="ptrs"/> is misaligned.</summary>
    public void WriteTo(GuestMemory memory, uint ptrs, uint buf)
    {
        // Nothing to write, nothing to check: with no strings the guest's pointers are never used.
        if (Count == 0) return;
        GuestRegions.Require(memory, ptrs, Count, 4, 4);
        var target = memory.Slice(buf, BufferSize);
        // buf + offset cannot wrap: the whole buffer was just found inside the memory.
        for (var i = 0u; i < Count; i++) memory.WriteU32(ptrs + 4 * i, buf + _offsets[i]);
        _buffer.CopyTo(target);
    }
}
