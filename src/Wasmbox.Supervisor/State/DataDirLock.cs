using System.Runtime.InteropServices;
using System.Text;

namespace Wasmbox.Supervisor.State;

/// <summary>
/// Proof that this process is the only daemon on a data dir: an exclusive <c>flock</c> on <c>DATA_DIR/daemon.lock</c>,
/// held for the daemon's life, with the holder's pid written inside.
/// </summary>
/// <remarks>
/// The kernel drops a flock when its holder dies, however it dies, so a crashed daemon never leaves a stale lock behind.
/// The file is used through raw descriptors: .NET's FileStream takes a flock of its own on open and would refuse to even
/// read the holder's pid.
/// </remarks>
public sealed partial class DataDirLock : IDisposable
{
    public const string FileName = "daemon.lock";

    private int _fd;

    private DataDirLock(int fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Takes the lock or throws <see cref="DataDirLockedException"/> naming the holder's pid.</summary>
    public static DataDirLock Acquire(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = System.IO.Path.Combine(dataDir, FileName);
        var fd = Native.Open(path, OpenReadWrite | OpenCreate | OpenCloexec, 0b110_100_100);
        if (fd < 0)
            throw new IOException($"{path}: cannot open the daemon lock (errno {Marshal.GetLastPInvokeError()}); check the data dir's permissions");
        if (Native.Flock(fd, LockExclusive | LockNonBlocking) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var holder = ReadPid(fd);
            Native.Close(fd);
            if (errno == EWouldBlock)
                throw new DataDirLockedException(holder,
                    $"another wasmbox daemon{(holder is { } pid ? $" (pid {pid})" : "")} is using the data dir {dataDir}; stop it, or give this one another data dir");
            throw new IOException($"{path}: flock failed (errno {errno})");
        }
        var text = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        Native.Ftruncate(fd, 0);
        Native.Pwrite(fd, text, text.Length, 0);
        return new DataDirLock(fd, path);
    }

    private static int? ReadPid(int fd)
    {
        var buffer = new byte[32];
        var n = Native.Pread(fd, buffer, buffer.Length, 0);
        if (n <= 0) return null;
        return int.TryParse(Encoding.ASCII.GetString(buffer, 0, (int)n).Trim(), out var pid) ? pid : null;
    }

    /// <summary>Releases the lock (closing the descriptor drops the flock); the file stays, empty of meaning.</summary>
    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Native.Close(fd);
    }

    private const int OpenReadWrite = 0x2, OpenCreate = 0x40, OpenCloexec = 0x80000;
    private const int LockExclusive = 2, LockNonBlocking = 4;
    private const int EWouldBlock = 11;

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int Open(string path, int flags, int mode);

        [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
        internal static partial int Flock(int fd, int operation);

        [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
        internal static partial int Ftruncate(int fd, long length);

        [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
        internal static partial nint Pwrite(int fd, byte[] buffer, nint count, long offset);

        [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
        internal static partial nint Pread(int fd, byte[] buffer, nint count, long offset);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}

/// <summary>The data dir is in use by another daemon.</summary>
public sealed class DataDirLockedException(int? holderPid, string message) : Exception(message)
{
    /// <summary>The pid written by the holder, when it could be read.</summary>
    public int? HolderPid { get; } = holderPid;
}
