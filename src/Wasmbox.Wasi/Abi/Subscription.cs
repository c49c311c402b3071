using System.Buffers.Binary;

namespace Wasmbox.Wasi.Abi;

/// <summary>Type of a subscription or of the event it produced (u8). docs.md#eventtype</summary>
public enum Eventtype : byte
{
    Clock = 0,
    FdRead = 1,
    FdWrite = 2,
}

/// <summary>How a clock subscription's timeout is read (u16). docs.md#subclockflags</summary>
[Flags]
public enum Subclockflags : ushort
{
    None = 0,
    /// <summary>The timeout is an absolute time of the clock; otherwise it is relative to the clock's current time.</summary>
    SubscriptionClockAbstime = 1 << 0,
}

/// <summary>
/// One <c>poll_oneoff</c> subscription (docs.md#subscription), 48 bytes, alignment 8:
/// <code>
///  0 userdata u64 | 8 tag u8 (eventtype) (+7 pad) | 16 union (subscription_u's payload, aligned to 8):
///    clock:          16 id u32 (+4 pad) | 24 timeout u64 | 32 precision u64 | 40 flags u16 (+6 pad)
///    fd_read/write:  16 file_descriptor u32
/// </code>
/// </summary>
/// <param name="Userdata">Copied into the event.</param>
/// <param name="Type">What the subscription waits for.</param>
/// <param name="ClockId">For <see cref="Eventtype.Clock"/>: the clock.</param>
/// <param name="Timeout">For <see cref="Eventtype.Clock"/>: nanoseconds, absolute or relative as <paramref name="Flags"/> say.</param>
/// <param name="Precision">For <see cref="Eventtype.Clock"/>: how much later the host may fire.</param>
/// <param name="Flags">For <see cref="Eventtype.Clock"/>: <see cref="Subclockflags"/>.</param>
/// <param name="Fd">For <see cref="Eventtype.FdRead"/> and <see cref="Eventtype.FdWrite"/>: the descriptor.</param>
public readonly record struct Subscription(ulong Userdata, Eventtype Type, Clockid ClockId, ulong Timeout, ulong Precision, Subclockflags Flags, uint Fd)
{
    public const uint Size = 48;
    public const uint Alignment = 8;

    /// <summary>
    /// Decodes one subscription from its <see cref="Size"/> bytes. <see cref="Errno.Inval"/> for an unknown tag, an
    /// unknown clock id or unknown clock flags (an invalid enum or flag value, as everywhere in the ABI).
    /// </summary>
    public static Errno Read(ReadOnlySpan<byte> bytes, out Subscription subscription)
    {
        subscription = default;
        var userdata = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        switch (bytes[8])
        {
            case (byte)Eventtype.Clock:
                var id = BinaryPrimitives.ReadUInt32LittleEndian(bytes[16..]);
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(bytes[40..]);
                if (id > (uint)Clockid.ThreadCputimeId || (flags & ~(ushort)Subclockflags.SubscriptionClockAbstime) != 0) return Errno.Inval;
                subscription = new Subscription(userdata, Eventtype.Clock, (Clockid)id,
                    BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]), BinaryPrimitives.ReadUInt64LittleEndian(bytes[32..]),
                    (Subclockflags)flags, 0);
                return Errno.Success;
            case (byte)Eventtype.FdRead or (byte)Eventtype.FdWrite:
                subscription = new Subscription(userdata, (Eventtype)bytes[8], default, 0, 0, Subclockflags.None,
                    BinaryPrimitives.ReadUInt32LittleEndian(bytes[16..]));
                return Errno.Success;
            default:
                return Errno.Inval;
        }
    }
}
