using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.Fs;

/// <summary>
/// fd_readdir: the entries of a directory as WASI dirents, from a cookie on.
/// </summary>
/// <remarks>
/// Why the kernel's <c>d_off</c> as the cookie: it is the directory's own position (a hash on ext4, an index on tmpfs),
/// which <c>lseek</c> accepts back, so a cookie stays valid across calls without the host keeping a listing in memory,
/// and entries added or removed meanwhile do not shift the others. Cookie 0 is the start (no entry's d_off is 0).
/// </remarks>
internal static class DirectoryReader
{
    /// <summary>Size of a dirent header (docs.md#dirent).</summary>
    public const int DirentSize = 24;

    /// <summary>
    /// Writes dirents into <paramref name="buffer"/> until it is full or the directory ends; the last entry is cut off
    /// when it does not fit (the spec's "truncated" output: a guest that sees bufused == buf_len retries with a bigger
    /// buffer from the last whole entry's d_next).
    /// <code>
    /// 0 d_next u64 | 8 d_ino u64 | 16 d_namlen u32 | 20 d_type u8 | 21..23 zero | 24 name (d_namlen bytes, no NUL)
    /// </code>
    /// </summary>
    public static unsafe Errno Fill(SafeFileHandle readable, ulong cookie, Span<byte> buffer, out int used)
    {
        used = 0;
        if (cookie > long.MaxValue) return Errno.Inval;
        if (Sys.Lseek(readable, (long)cookie, Sys.SEEK_SET) < 0) return ErrnoMapping.LastError();
        var host = ArrayPool<byte>.Shared.Rent(32 * 1024);
        try
        {
            Span<byte> header = stackalloc byte[DirentSize];
            while (used < buffer.Length)
            {
                nint n;
                fixed (byte* p = host) n = Sys.Getdents64(readable, p, (nuint)host.Length);
                if (n < 0) return ErrnoMapping.LastError();
                if (n == 0) break;
                for (var pos = 0; pos < n && used < buffer.Length;)
                {
                    var entry = host.AsSpan(pos, BinaryPrimitives.ReadUInt16LittleEndian(host.AsSpan(pos + Sys.DirentReclenOffset)));
                    pos += entry.Length;
                    var rawName = entry[Sys.DirentNameOffset..];
                    var name = rawName[..rawName.IndexOf((byte)0)];
                    var type = FileStatus.TypeOfDirent(entry[Sys.DirentTypeOffset]);
                    if (entry[Sys.DirentTypeOffset] == Sys.DT_UNKNOWN
                        && FileStatus.OfEntry(readable, System.Text.Encoding.UTF8.GetString(name), out var stat) == Errno.Success)
                        type = stat.Filetype;

                    header.Clear();
                    BinaryPrimitives.WriteUInt64LittleEndian(header, BinaryPrimitives.ReadUInt64LittleEndian(entry[Sys.DirentOffOffset..]));
                    BinaryPrimitives.WriteUInt64LittleEndian(header[8..], BinaryPrimitives.ReadUInt64LittleEndian(entry[Sys.DirentInoOffset..]));
                    BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)name.Length);
                    header[20] = (byte)type;
                    used += CopyTruncated(header, buffer[used..]);
                    used += CopyTruncated(name, buffer[used..]);
                }
            }
            return Errno.Success;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(host);
        }
    }

    private static int CopyTruncated(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var n = Math.Min(source.Length, destination.Length);
        source[..n].CopyTo(destination);
        return n;
    }
}
