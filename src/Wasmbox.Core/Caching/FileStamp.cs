using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Core.Caching;

/// <summary>
/// What tells one version of a file's contents from another without reading them: device, inode, size, and the
/// modification and status-change times in nanoseconds (statx(2) on the open file).
/// </summary>
/// <remarks>
/// <para>Why ctime: every write, truncate, rename or <c>touch -d</c> sets it to the kernel's current time, and no
/// unprivileged process can set it back (only changing the system clock can), so a file whose stamp is unchanged has
/// not been written since. The inode alone is not enough: a deleted file's number can be reused, but the new file's
/// ctime is the time it was made.</para>
/// <para>Why <see cref="IsSettled"/>: timestamps are taken from a coarse clock (a jiffy, up to 10 ms; a second on
/// some file systems), so a write in the same tick as our read could leave the stamp as it was. A stamp is only
/// remembered when its ctime is older than <see cref="SettleTime"/> before we started reading: any later write then
/// gets a newer ctime. This is git's "racily clean" rule.</para>
/// </remarks>
public readonly partial record struct FileStamp(ulong Device, ulong Inode, long Size, long ModifiedNs, long ChangedNs)
{
    /// <summary>The serialized length (<see cref="WriteTo"/>).</summary>
    public const int Length = 40;

    /// <summary>How old a ctime must be before a stamp may be trusted to change on the next write.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The stamp of an open regular file, or null where statx is not available or the file is not a regular one (a
    /// pipe, a device): then nothing is memoised.
    /// </summary>
    public static FileStamp? Of(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux()) return null;
        Span<byte> buffer = stackalloc byte[256];
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            if (Native.Statx((int)file.DangerousGetHandle(), "", AtEmptyPath, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0) return null;
        }
        catch (EntryPointNotFoundException) { return null; }
        finally { if (added) file.DangerousRelease(); }

        var mask = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        const uint needed = StatxMtime | StatxCtime | StatxIno | StatxSize;
        if ((mask & needed) != needed || (BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]) & SIfMt) != SIfReg) return null;
        // struct statx: stx_mode @28, stx_ino @32, stx_size @40, stx_ctime @96, stx_mtime @112 ({ s64 sec; u32 nsec; }), stx_dev_major/minor @136/140.
        var device = (ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]) << 32 | BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..]);
        return new FileStamp(device, BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]), BinaryPrimitives.ReadInt64LittleEndian(buffer[40..]),
            Nanoseconds(buffer[112..]), Nanoseconds(buffer[96..]));
    }

    /// <summary>True when the file's last change is older than <paramref name="readStartedAt"/> by <see cref="SettleTime"/>.</summary>
    public bool IsSettled(DateTimeOffset readStartedAt) =>
        ChangedNs < (readStartedAt - SettleTime).ToUnixTimeMilliseconds() * 1_000_000;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Device);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Inode);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], Size);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], ModifiedNs);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], ChangedNs);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }

    private static long Nanoseconds(ReadOnlySpan<byte> timestamp) =>
        BinaryPrimitives.ReadInt64LittleEndian(timestamp) * 1_000_000_000 + BinaryPrimitives.ReadUInt32LittleEndian(timestamp[8..]);

    private const int AtEmptyPath = 0x1000, SIfMt = 0xF000, SIfReg = 0x8000;
    private const uint StatxMtime = 0x40, StatxCtime = 0x80, StatxIno = 0x100, StatxSize = 0x200, StatxBasicStats = 0x7ff;

    private static partial class Native
    {
        /// <summary>statx(2) (glibc 2.28+); with AT_EMPTY_PATH and "" it describes the open file itself, never a path.</summary>
        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
    }
}
