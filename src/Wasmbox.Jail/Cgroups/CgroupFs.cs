using System.Runtime.InteropServices;
using System.Text;
using Wasmbox.Jail.Interop;

namespace Wasmbox.Jail.Cgroups;

/// <summary>
/// Every filesystem call and signal <see cref="WorkerCgroup"/> makes. The real one makes the syscalls; tests subclass it
/// to play the kernel on a fake tree (a controller's files appear on mkdir, a bad write is refused, no real pid is signalled).
/// </summary>
internal class CgroupFs
{
    public static readonly CgroupFs Real = new();

    /// <summary>mkdir(2), mode 0755. Returns 0, or the errno.</summary>
    /// <remarks>Never creates parents and fails with EEXIST on any existing name, a symlink included, so nothing is followed.</remarks>
    public virtual int MakeDirectory(string path) => Sys.Mkdir(path, 0b111_101_101) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>rmdir(2). Returns 0, or the errno (EBUSY while the cgroup still has tasks).</summary>
    public virtual int RemoveDirectory(string path) => Sys.Rmdir(path) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Writes <paramref name="value"/> to an existing file in one write(2).</summary>
    /// <remarks>Opened without O_CREAT: a limit file that is missing means the controller is not there, and must not
    /// turn into a new plain file. One write, because the kernel parses each write to a cgroup file on its own.</remarks>
    /// <exception cref="IOException">Missing file, or the kernel refused the value (the message carries the errno text).</exception>
    /// <exception cref="UnauthorizedAccessException">EACCES/EPERM.</exception>
    public virtual void WriteFile(string path, string value)
    {
        using var handle = File.OpenHandle(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite);
        RandomAccess.Write(handle, Encoding.ASCII.GetBytes(value), 0);
    }

    /// <summary>The file's text, or null when it does not exist or cannot be read.</summary>
    public virtual string? ReadFile(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public virtual bool FileExists(string path) => File.Exists(path);

    /// <summary>The names of the subdirectories of <paramref name="path"/>; none when it cannot be listed.</summary>
    public virtual IReadOnlyList<string> ListDirectories(string path)
    {
        try { return [.. Directory.EnumerateDirectories(path).Select(d => Path.GetFileName(d))]; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>Whether a process with this pid exists in our pid namespace.</summary>
    public virtual bool ProcessExists(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>SIGKILL to one process; a pid that is already gone (ESRCH) is no error.</summary>
    public virtual void SendSigkill(int pid) => Sys.Kill(pid, Sys.SIGKILL);

    /// <summary>A directory that is not a symlink (cgroup mounts and cgroups are never reached through one).</summary>
    public virtual bool IsRealDirectory(string path)
    {
        var info = new DirectoryInfo(path);
        return info.Exists && info.LinkTarget is null;
    }

    /// <summary>Linux errno names for the values a cgroup mkdir, rmdir or write gives; other values by number.</summary>
    public static string ErrnoName(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        12 => "ENOMEM",
        13 => "EACCES",
        16 => "EBUSY",
        17 => "EEXIST",
        20 => "ENOTDIR",
        22 => "EINVAL",
        28 => "ENOSPC",
        30 => "EROFS",
        36 => "ENAMETOOLONG",
        39 => "ENOTEMPTY",
        _ => $"errno {errno}",
    };
}
