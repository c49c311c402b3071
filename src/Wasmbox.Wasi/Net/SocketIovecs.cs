using System.Buffers.Binary;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Net;

/// <summary>One guest buffer of an <c>iovec</c>/<c>ciovec</c> array: its address and length.</summary>
internal readonly record struct GuestBuffer(uint Ptr, uint Len);

/// <summary>
/// Reads the scatter/gather arrays of sock_recv and sock_send. Every buffer is bounds-checked before the socket is
/// touched, so a bad pointer traps without consuming data from the connection.
/// </summary>
/// <remarks>
/// Layout of one element (docs.md#iovec, size 8, alignment 4):
/// <code>
/// offset 0: buf     u32  guest address of the buffer
/// offset 4: buf_len u32  its length in bytes
/// </code>
/// </remarks>
internal static class SocketIovecs
{
    private const uint ElementSize = 8, Alignment = 4;

    /// <summary>
    /// The buffers of the array at <paramref name="iovs"/> with <paramref name="iovsLen"/> elements, zero-length ones
    /// left out. Traps on a misaligned or out-of-bounds array or buffer; <see cref="Errno.Overflow"/> when the lengths
    /// add up to more than a <c>size</c> (u32) can report.
    /// </summary>
    public static Errno Read(GuestMemory memory, uint iovs, uint iovsLen, out GuestBuffer[] buffers, out uint total)
    {
        buffers = [];
        total = 0;
        if (iovsLen == 0) return Errno.Success;
        if (iovs % Alignment != 0) throw WasiTrap.Misaligned(iovs, Alignment);
        var arrayBytes = (ulong)iovsLen * ElementSize;
        if (arrayBytes > uint.MaxValue) throw WasiTrap.OutOfBounds(iovs, uint.MaxValue, memory.Length);
        var array = memory.Slice(iovs, (uint)arrayBytes);

        var list = new List<GuestBuffer>((int)Math.Min(iovsLen, 64));
        ulong sum = 0;
        for (var i = 0; i < (int)iovsLen; i++)
        {
            var ptr = BinaryPrimitives.ReadUInt32LittleEndian(array[(i * 8)..]);
            var len = BinaryPrimitives.ReadUInt32LittleEndian(array[(i * 8 + 4)..]);
            memory.Slice(ptr, len); // bounds check only: traps now rather than after the socket moved data
            if (len == 0) continue;
            list.Add(new GuestBuffer(ptr, len));
            sum += len;
        }
        if (sum > uint.MaxValue) return Errno.Overflow;
        buffers = [.. list];
        total = (uint)sum;
        return Errno.Success;
    }
}
