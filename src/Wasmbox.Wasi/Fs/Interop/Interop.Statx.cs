using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    public const int AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000;
    public const uint STATX_SIZE = 0x200, STATX_BLOCKS = 0x400, STATX_BASIC_STATS = 0x7ff;

    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
        S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;

    /// <summary>
    /// <c>struct statx</c> (linux/stat.h), 256 bytes. Why statx rather than fstatat: its layout is the same on every
    /// architecture (struct stat differs between x86-64 and aarch64), and it always carries nanoseconds.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuf
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(16)] public uint Nlink;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(40)] public ulong Size;
        /// <summary>Allocated 512-byte units (st_blocks), whatever the file system's block size.</summary>
        [FieldOffset(48)] public ulong Blocks;
        [FieldOffset(64)] public StatxTimestamp Atime;
        [FieldOffset(96)] public StatxTimestamp Ctime;
        [FieldOffset(112)] public StatxTimestamp Mtime;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    [StructLayout(LayoutKind.Sequential, Size = 16)]
    public struct StatxTimestamp
    {
        public long Sec;
        public uint Nsec;
    }

    /// <summary><c>statx(2)</c>; with <see cref="AT_EMPTY_PATH"/> and an empty path it describes <paramref name="dirfd"/> itself.</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int Statx(SafeFileHandle dirfd, string path, int flags, uint mask, StatxBuf* buf);
}
