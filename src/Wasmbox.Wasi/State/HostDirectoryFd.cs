using Microsoft.Win32.SafeHandles;
using Wasmbox.Core.Policy;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs;
using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.State;

/// <summary>A directory the guest holds: a preopened grant, or a directory it opened beneath one.</summary>
/// <remarks>
/// Owns <see cref="Handle"/> and no other host descriptor between calls, so <c>--max-open-files</c>, which counts guest
/// descriptors, also bounds the host descriptors a guest holds: a directory opened by path_open is read through its
/// own handle, and a preopen (an O_PATH handle) gets a readable one for the length of one call only.
/// </remarks>
public sealed partial class HostDirectoryFd : WasiFd
{
    private HostDirectoryFd(SafeFileHandle handle, string? preopenName, bool readOnly)
    {
        Handle = handle;
        PreopenName = preopenName;
        ReadOnly = readOnly;
        RightsBase = FileRights.DirectoryBase;
        RightsInheriting = FileRights.DirectoryInheriting;
    }

    /// <summary>A handle of the directory (<c>O_PATH</c> for preopens): every path operation resolves beneath it.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The guest path of a preopen (what fd_prestat_dir_name returns); null for a directory opened later.</summary>
    public string? PreopenName { get; }

    /// <summary>From a read-only grant: every mutating call beneath it is refused before it reaches the host.</summary>
    public override bool ReadOnly { get; }

    public override Filetype Filetype => Filetype.Directory;

    /// <summary>
    /// Path operations, listing, stat and times. Not sync, datasync, advise or flags: Wasmtime answers those EBADF on a
    /// directory, and SQLite and others take that answer as "not supported here" (docs/wasi-deviations.md).
    /// </summary>
    public override Rights KindRights => FileRights.DirectoryBase;

    public static Errno OpenPreopen(DirGrant grant, out HostDirectoryFd fd)
    {
        fd = null!;
        var errno = DirectoryHandles.OpenDirectory(grant.HostPath, out var handle);
        if (errno != Errno.Success) return errno;
        fd = new HostDirectoryFd(handle, grant.GuestPath, grant.ReadOnly);
        return Errno.Success;
    }

    /// <summary>A directory path_open opened beneath another; takes ownership of <paramref name="handle"/>.</summary>
    internal static HostDirectoryFd OpenedBeneath(SafeFileHandle handle, bool readOnly, Rights rightsBase, Rights rightsInheriting) =>
        new(handle, preopenName: null, readOnly) { RightsBase = rightsBase, RightsInheriting = rightsInheriting };

    /// <summary>
    /// A readable descriptor of this directory, for getdents64: its own <see cref="Handle"/> when path_open
    /// opened it (O_RDONLY), else one opened for the caller, who closes it when <paramref name="temporary"/> is set. Why
    /// not keep that one: a preopen's handle is O_PATH (it can anchor lookups, but not be listed), and a
    /// second descriptor kept per directory would be a host descriptor <c>--max-open-files</c> does not count.
    /// </summary>
    internal Errno Readable(out SafeFileHandle readable, out bool temporary)
    {
        temporary = PreopenName is not null;
        if (!temporary)
        {
            readable = Handle;
            return Errno.Success;
        }
        var fd = Sys.Openat(Handle, ".", Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_CLOEXEC, 0);
        readable = fd < 0 ? null! : new SafeFileHandle(fd, ownsHandle: true);
        return fd < 0 ? ErrnoMapping.LastError() : Errno.Success;
    }

    public override Errno FilestatGet(out Filestat stat) => FileStatus.Of(Handle, out stat);

    public override unsafe Errno FilestatSetTimes(ulong atim, ulong mtim, Fstflags flags)
    {
        var times = stackalloc Sys.Timespec[2];
        var errno = Timestamps.ToTimespecs(atim, mtim, (uint)flags, new Span<Sys.Timespec>(times, 2));
        if (errno != Errno.Success) return errno;
        // "." relative to the handle is the directory itself; futimens would refuse an O_PATH handle.
        return Sys.Utimensat(Handle, ".", times, 0) == 0 ? Errno.Success : ErrnoMapping.LastError();
    }

    public override void Dispose() => Handle.Dispose();
}
