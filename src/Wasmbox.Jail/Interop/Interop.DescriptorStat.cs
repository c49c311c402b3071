using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Sys
{
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_TYPE = 0x1, STATX_INO = 0x100;
    public const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;

    /// <summary>The members of <c>struct statx</c> (256 bytes, the same on every architecture) that the launcher reads.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct DescriptorStat
    {
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    /// <summary><c>statx(fd, "", AT_EMPTY_PATH, …)</c>: what the descriptor itself is.</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int StatDescriptor(int fd, string path, int flags, uint mask, DescriptorStat* buf);
}
