using System.Runtime.InteropServices;
using Wasmbox.Jail.Interop;

namespace Wasmbox.Jail;

/// <summary>
/// Keeps descriptors from leaking into workers. Neither .NET's <c>Process.Start</c> nor bubblewrap closes inherited
/// descriptors (measured: an fd our own parent left open showed up inside the jail), so every descriptor that did not
/// come from .NET (which opens everything close-on-exec) is marked close-on-exec once, and descriptors meant for a
/// child are made inheritable only under <see cref="SpawnLock"/>, for the moment of one spawn.
/// </summary>
/// <remarks>
/// The sweep runs before every spawn, not once: native code in the process (a library, a plugin host embedding us) may
/// open descriptors without close-on-exec at any time, and one <c>close_range</c> call costs microseconds.
/// </remarks>
public static class FdHygiene
{
    /// <summary>Held while a descriptor is inheritable, so that a concurrent spawn cannot inherit another sandbox's descriptor.</summary>
    public static readonly Lock SpawnLock = new();

    /// <summary>Marks every descriptor from 3 up close-on-exec. Call with <see cref="SpawnLock"/> held, just before a spawn.</summary>
    /// <exception cref="JailSetupException">The kernel has neither <c>close_range</c> nor a readable <c>/proc/self/fd</c>.</exception>
    public static void MarkInheritedCloseOnExec()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (Sys.CloseRange(3, uint.MaxValue, Sys.CLOSE_RANGE_CLOEXEC) == 0) return;
        // close_range came with Linux 5.11 (CLOEXEC flag); walk /proc/self/fd on older kernels.
        try
        {
            foreach (var entry in Directory.GetFileSystemEntries("/proc/self/fd"))
            {
                if (int.TryParse(Path.GetFileName(entry), out var fd) && fd >= 3) SetCloseOnExec(fd, true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JailSetupException($"cannot mark inherited descriptors close-on-exec (close_range: errno {Marshal.GetLastPInvokeError()}, /proc/self/fd: {e.Message}); mount /proc");
        }
    }

    /// <summary>Sets or clears FD_CLOEXEC on one descriptor. Call with <see cref="SpawnLock"/> held when clearing.</summary>
    public static void SetCloseOnExec(int fd, bool closeOnExec)
    {
        if (Sys.Fcntl(fd, Sys.F_SETFD, closeOnExec ? Sys.FD_CLOEXEC : 0) != 0)
            throw new JailSetupException($"fcntl(F_SETFD) on descriptor {fd} failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
