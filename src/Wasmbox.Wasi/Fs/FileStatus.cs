using Microsoft.Win32.SafeHandles;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.Fs;

/// <summary>Host file attributes (statx) as WASI <see cref="Filestat"/>, with nanosecond timestamps.</summary>
internal static class FileStatus
{
    /// <summary>Attributes of the descriptor itself (works on O_PATH handles too).</summary>
    public static Errno Of(SafeFileHandle fd, out Filestat stat) => At(fd, "", Sys.AT_EMPTY_PATH, out stat);

    /// <summary>Attributes of <paramref name="name"/> in <paramref name="dir"/>, never following a symlink there.</summary>
    public static Errno OfEntry(SafeFileHandle dir, string name, out Filestat stat) => At(dir, name, Sys.AT_SYMLINK_NOFOLLOW, out stat);

    private static unsafe Errno At(SafeFileHandle dir, string name, int flags, out Filestat stat)
    {
        Sys.StatxBuf buf;
        if (Sys.Statx(dir, name, flags, Sys.STATX_BASIC_STATS, &buf) != 0)
        {
            stat = default;
            return ErrnoMapping.LastError();
        }
        stat = new Filestat(
            Dev: MakeDev(buf.DevMajor, buf.DevMinor),
            Ino: buf.Ino,
            Filetype: TypeOfMode(buf.Mode),
            Nlink: buf.Nlink,
            Size: buf.Size,
            Atim: Nanos(buf.Atime),
            Mtim: Nanos(buf.Mtime),
            Ctim: Nanos(buf.Ctime));
        return Errno.Success;
    }

    public static Filetype TypeOfMode(uint mode) => (mode & Sys.S_IFMT) switch
    {
        Sys.S_IFREG => Filetype.RegularFile,
        Sys.S_IFDIR => Filetype.Directory,
        Sys.S_IFLNK => Filetype.SymbolicLink,
        Sys.S_IFCHR => Filetype.CharacterDevice,
        Sys.S_IFBLK => Filetype.BlockDevice,
        // Why stream: a Unix socket on disk has no datagram/stream bit in its mode; stream is by far the common one.
        Sys.S_IFSOCK => Filetype.SocketStream,
        _ => Filetype.Unknown,
    };

    /// <summary>The dirent d_type of getdents64 as a WASI file type.</summary>
    public static Filetype TypeOfDirent(byte dType) => dType switch
    {
        Sys.DT_REG => Filetype.RegularFile,
        Sys.DT_DIR => Filetype.Directory,
        Sys.DT_LNK => Filetype.SymbolicLink,
        Sys.DT_CHR => Filetype.CharacterDevice,
        Sys.DT_BLK => Filetype.BlockDevice,
        Sys.DT_SOCK => Filetype.SocketStream,
        _ => Filetype.Unknown,
    };

    /// <summary>glibc's <c>makedev</c>: the 64-bit dev_t from a major and minor number.</summary>
    private static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    /// <summary>Nanoseconds since the epoch; a time before 1970 (negative) reads as 0, as WASI timestamps are unsigned.</summary>
    private static ulong Nanos(Sys.StatxTimestamp t) => t.Sec < 0 ? 0 : (ulong)t.Sec * 1_000_000_000UL + t.Nsec;
}
