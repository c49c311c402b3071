using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs.Interop;

internal static partial class Sys
{
    public const byte DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10, DT_SOCK = 12;

    /// <summary>Offsets in <c>struct linux_dirent64</c>: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, then the NUL-terminated name.</summary>
    public const int DirentInoOffset = 0, DirentOffOffset = 8, DirentReclenOffset = 16, DirentTypeOffset = 18, DirentNameOffset = 19;

    /// <summary><c>getdents64(2)</c> (glibc 2.30+): fills <paramref name="buf"/> with whole entries from the current offset.</summary>
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    public static unsafe partial nint Getdents64(SafeFileHandle fd, byte* buf, nuint count);
}
