using Microsoft.Win32.SafeHandles;
using Wasmbox.Core.Policy;
using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.State;

/// <summary>A directory the guest holds: a preopened grant, or a directory it opened beneath one.</summary>
public sealed partial class HostDirectoryFd : WasiFd
{
    private HostDirectoryFd(SafeFileHandle handle, string? preopenName, bool readOnly)
    {
        Handle = handle;
        PreopenName = preopenName;
        ReadOnly = readOnly;
    }

    /// <summary>An <c>O_PATH|O_DIRECTORY</c> handle: every path operation resolves beneath it.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The guest path of a preopen (what fd_prestat_dir_name returns); null for a directory opened later.</summary>
    public string? PreopenName { get; }

    /// <summary>From a read-only grant: every mutating call beneath it is refused before it reaches the host.</summary>
    public bool ReadOnly { get; }

    public override Filetype Filetype => Filetype.Directory;

    public static Errno OpenPreopen(DirGrant grant, out HostDirectoryFd fd)
    {
        fd = null!;
        var errno = Fs.DirectoryHandles.OpenDirectory(grant.HostPath, out var handle);
        if (errno != Errno.Success) return errno;
        fd = new HostDirectoryFd(handle, grant.GuestPath, grant.ReadOnly);
        return Errno.Success;
    }

    public override void Dispose() => Handle.Dispose();
}
