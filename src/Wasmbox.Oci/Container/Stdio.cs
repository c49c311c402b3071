using System.Runtime.InteropServices;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Container;

/// <summary>This process's descriptors 0, 1 and 2 pointed somewhere else for one spawn, then put back.</summary>
internal sealed partial class Stdio
{
    private readonly int[] _saved;

    private Stdio(int[] saved) => _saved = saved;

    /// <summary>Saves 0, 1 and 2 (close-on-exec copies) and makes each a duplicate of <paramref name="fd"/>.</summary>
    public static Stdio Redirect(int fd)
    {
        var saved = new int[3];
        for (var i = 0; i < 3; i++)
        {
            saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
            if (saved[i] < 0) throw new OciException($"cannot save descriptor {i} (errno {Marshal.GetLastPInvokeError()})");
        }
        for (var i = 0; i < 3; i++)
            if (dup2(fd, i) < 0) throw new OciException($"cannot give the terminal as descriptor {i} (errno {Marshal.GetLastPInvokeError()})");
        return new Stdio(saved);
    }

    /// <summary>Puts the saved 0, 1 and 2 back and closes the copies.</summary>
    public void Restore()
    {
        for (var i = 0; i < 3; i++)
        {
            _ = dup2(_saved[i], i);
            _ = close(_saved[i]);
        }
    }

    private const int F_DUPFD_CLOEXEC = 1030;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup2(int from, int to);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
