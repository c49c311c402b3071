using System.Buffers.Binary;

namespace Wasmbox.Wasi.Abi;

/// <summary>The state of a descriptor in an fd_read/fd_write event (u16). docs.md#eventrwflags</summary>
[Flags]
public enum Eventrwflags : ushort
{
    None = 0,
    /// <summary>The peer of this socket has closed or disconnected.</summary>
    FdReadwriteHangup = 1 << 0,
}

/// <summary>
/// One <c>poll_oneoff</c> event (docs.md#event), 32 bytes, alignment 8:
/// <code>
///  0 userdata u64 | 8 error u16 (errno) | 10 type u8 (eventtype) (+5 pad) | 16 nbytes u64 | 24 flags u16 (+6 pad)
/// </code>
/// <c>nbytes</c> and <c>flags</c> (the <c>event_fd_readwrite</c> at 16) are zero for clock events and for events with an error.
/// </summary>
public readonly record struct Event(ulong Userdata, Errno Error, Eventtype Type, ulong Nbytes = 0, Eventrwflags Flags = Eventrwflags.None)
{
    public const uint Size = 32;
    public const uint Alignment = 8;

    /// <summary>Writes all <see cref="Size"/> bytes, padding zeroed (so no stale guest or host bytes remain in it).</summary>
    public void WriteTo(Span<byte> bytes)
    {
        bytes = bytes[..(int)Size];
        bytes.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Userdata);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[8..], (ushort)Error);
        bytes[10] = (byte)Type;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[16..], Nbytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[24..], (ushort)Flags);
    }
}
