using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Memory;

/// <summary>
/// The guest's linear memory for the duration of one WASI call: bounds- and alignment-checked reads and writes at
/// guest addresses, little-endian as WebAssembly is.
/// </summary>
/// <remarks>
/// <para>A <c>ref struct</c> so it cannot outlive the call: memory may grow (and move) whenever the guest runs again,
/// so the binding makes a new one on every call and no span is ever kept across a call into wasm.</para>
/// <para>An out-of-bounds or misaligned pointer throws <see cref="WasiTrap"/>: the witx text says such a call "shall
/// trap", Wasmtime does so, and a trap fails closed (docs/RATIONALE.md, "Why do bad pointers trap?").
/// Invalid UTF-8 in a string argument is an errno (<see cref="Errno.Ilseq"/>), not a trap.</para>
/// </remarks>
public readonly unsafe ref struct GuestMemory
{
    private readonly byte* _base;

    public GuestMemory(byte* @base, ulong length)
    {
        _base = @base;
        Length = length;
    }

    /// <summary>Size of the memory in bytes.</summary>
    public ulong Length { get; }

    /// <summary>The bytes [ptr, ptr+len). Traps when any of them is outside the memory.</summary>
    public Span<byte> Slice(uint ptr, uint len)
    {
        if ((ulong)ptr + len > Length) throw WasiTrap.OutOfBounds(ptr, len, Length);
        if (len > int.MaxValue) throw new WasiTrap($"a {len}-byte buffer is larger than a single host buffer can be");
        return new Span<byte>(_base + ptr, (int)len);
    }

    /// <summary>Traps unless the bytes [ptr, ptr+len) are all inside the memory; reads nothing (so any length is fine).</summary>
    public void RequireInBounds(uint ptr, uint len)
    {
        if ((ulong)ptr + len > Length) throw WasiTrap.OutOfBounds(ptr, len, Length);
    }

    public byte ReadU8(uint ptr) => Slice(ptr, 1)[0];
    public void WriteU8(uint ptr, byte value) => Slice(ptr, 1)[0] = value;
    public ushort ReadU16(uint ptr) => BinaryPrimitives.ReadUInt16LittleEndian(Aligned(ptr, 2));
    public void WriteU16(uint ptr, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Aligned(ptr, 2), value);
    public uint ReadU32(uint ptr) => BinaryPrimitives.ReadUInt32LittleEndian(Aligned(ptr, 4));
    public void WriteU32(uint ptr, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Aligned(ptr, 4), value);
    public ulong ReadU64(uint ptr) => BinaryPrimitives.ReadUInt64LittleEndian(Aligned(ptr, 8));
    public void WriteU64(uint ptr, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Aligned(ptr, 8), value);

    /// <summary>Writes an errno-sized value (u16) at an aligned address.</summary>
    public void WriteErrno(uint ptr, Errno value) => WriteU16(ptr, (ushort)value);

    /// <summary>A UTF-8 string argument (paths). Returns <see cref="Errno.Ilseq"/> for invalid UTF-8.</summary>
    public Errno ReadString(uint ptr, uint len, out string value)
    {
        var bytes = Slice(ptr, len);
        try
        {
            value = StrictUtf8.GetString(bytes);
            return Errno.Success;
        }
        catch (DecoderFallbackException)
        {
            value = "";
            return Errno.Ilseq;
        }
    }

    /// <summary>The slice for a value of natural alignment <paramref name="size"/>; traps when misaligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Aligned(uint ptr, uint size)
    {
        if (ptr % size != 0) throw WasiTrap.Misaligned(ptr, size);
        return Slice(ptr, size);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
