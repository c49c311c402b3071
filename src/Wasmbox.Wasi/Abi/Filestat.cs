namespace Wasmbox.Wasi.Abi;

/// <summary>
/// File attributes (docs.md#filestat), 64 bytes, alignment 8:
/// <code>
/// 0 dev u64 | 8 ino u64 | 16 filetype u8 (+7 pad) | 24 nlink u64 | 32 size u64 | 40 atim u64 | 48 mtim u64 | 56 ctim u64
/// </code>
/// </summary>
public readonly record struct Filestat(ulong Dev, ulong Ino, Filetype Filetype, ulong Nlink, ulong Size, ulong Atim, ulong Mtim, ulong Ctim)
{
    public const uint Size64 = 64;

    public void WriteTo(Memory.GuestMemory memory, uint ptr)
    {
        var bytes = memory.Slice(ptr, Size64);
        if (ptr % 8 != 0) throw WasiTrap.Misaligned(ptr, 8);
        bytes.Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes[0..], Dev);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], Ino);
        bytes[16] = (byte)Filetype;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes[24..], Nlink);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes[32..], Size);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes[40..], Atim);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes[48..], Mtim);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes[56..], Ctim);
    }
}
