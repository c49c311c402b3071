using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// NOT YET IMPLEMENTED: the Path group is being written; until then each call returns ENOSYS.
public sealed partial class WasiHost
{
    /// <summary><c>path_create_directory</c>. See docs.md#path_create_directory.</summary>
    public Errno PathCreateDirectory(GuestMemory memory, int fd, uint path, uint pathLen) => Errno.Nosys;

    /// <summary><c>path_filestat_get</c>. See docs.md#path_filestat_get.</summary>
    public Errno PathFilestatGet(GuestMemory memory, int fd, uint flags, uint path, uint pathLen, uint bufPtr) => Errno.Nosys;

    /// <summary><c>path_filestat_set_times</c>. See docs.md#path_filestat_set_times.</summary>
    public Errno PathFilestatSetTimes(GuestMemory memory, int fd, uint flags, uint path, uint pathLen, ulong atim, ulong mtim, uint fstFlags) => Errno.Nosys;

    /// <summary><c>path_link</c>. See docs.md#path_link.</summary>
    public Errno PathLink(GuestMemory memory, int oldFd, uint oldFlags, uint oldPath, uint oldPathLen, int newFd, uint newPath, uint newPathLen) => Errno.Nosys;

    /// <summary><c>path_open</c>. See docs.md#path_open.</summary>
    public Errno PathOpen(GuestMemory memory, int fd, uint dirflags, uint path, uint pathLen, uint oflags, ulong fsRightsBase, ulong fsRightsInheriting, uint fdflags, uint openedFdPtr) => Errno.Nosys;

    /// <summary><c>path_readlink</c>. See docs.md#path_readlink.</summary>
    public Errno PathReadlink(GuestMemory memory, int fd, uint path, uint pathLen, uint buf, uint bufLen, uint bufusedPtr) => Errno.Nosys;

    /// <summary><c>path_remove_directory</c>. See docs.md#path_remove_directory.</summary>
    public Errno PathRemoveDirectory(GuestMemory memory, int fd, uint path, uint pathLen) => Errno.Nosys;

    /// <summary><c>path_rename</c>. See docs.md#path_rename.</summary>
    public Errno PathRename(GuestMemory memory, int fd, uint oldPath, uint oldPathLen, int newFd, uint newPath, uint newPathLen) => Errno.Nosys;

    /// <summary><c>path_symlink</c>. See docs.md#path_symlink.</summary>
    public Errno PathSymlink(GuestMemory memory, uint oldPath, uint oldPathLen, int fd, uint newPath, uint newPathLen) => Errno.Nosys;

    /// <summary><c>path_unlink_file</c>. See docs.md#path_unlink_file.</summary>
    public Errno PathUnlinkFile(GuestMemory memory, int fd, uint path, uint pathLen) => Errno.Nosys;

}
