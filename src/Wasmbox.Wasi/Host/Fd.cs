using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// NOT YET IMPLEMENTED: the Fd group is being written; until then each call returns ENOSYS.
public sealed partial class WasiHost
{
    /// <summary><c>fd_advise</c>. See docs.md#fd_advise.</summary>
    public Errno FdAdvise(GuestMemory memory, int fd, ulong offset, ulong len, uint advice) => Errno.Nosys;

    /// <summary><c>fd_allocate</c>. See docs.md#fd_allocate.</summary>
    public Errno FdAllocate(GuestMemory memory, int fd, ulong offset, ulong len) => Errno.Nosys;

    /// <summary><c>fd_close</c>. See docs.md#fd_close.</summary>
    public Errno FdClose(GuestMemory memory, int fd) => Errno.Nosys;

    /// <summary><c>fd_datasync</c>. See docs.md#fd_datasync.</summary>
    public Errno FdDatasync(GuestMemory memory, int fd) => Errno.Nosys;

    /// <summary><c>fd_fdstat_get</c>. See docs.md#fd_fdstat_get.</summary>
    public Errno FdFdstatGet(GuestMemory memory, int fd, uint statPtr) => Errno.Nosys;

    /// <summary><c>fd_fdstat_set_flags</c>. See docs.md#fd_fdstat_set_flags.</summary>
    public Errno FdFdstatSetFlags(GuestMemory memory, int fd, uint flags) => Errno.Nosys;

    /// <summary><c>fd_fdstat_set_rights</c>. See docs.md#fd_fdstat_set_rights.</summary>
    public Errno FdFdstatSetRights(GuestMemory memory, int fd, ulong fsRightsBase, ulong fsRightsInheriting) => Errno.Nosys;

    /// <summary><c>fd_filestat_get</c>. See docs.md#fd_filestat_get.</summary>
    public Errno FdFilestatGet(GuestMemory memory, int fd, uint bufPtr) => Errno.Nosys;

    /// <summary><c>fd_filestat_set_size</c>. See docs.md#fd_filestat_set_size.</summary>
    public Errno FdFilestatSetSize(GuestMemory memory, int fd, ulong size) => Errno.Nosys;

    /// <summary><c>fd_filestat_set_times</c>. See docs.md#fd_filestat_set_times.</summary>
    public Errno FdFilestatSetTimes(GuestMemory memory, int fd, ulong atim, ulong mtim, uint fstFlags) => Errno.Nosys;

    /// <summary><c>fd_pread</c>. See docs.md#fd_pread.</summary>
    public Errno FdPread(GuestMemory memory, int fd, uint iovs, uint iovsLen, ulong offset, uint nreadPtr) => Errno.Nosys;

    /// <summary><c>fd_prestat_get</c>. See docs.md#fd_prestat_get.</summary>
    public Errno FdPrestatGet(GuestMemory memory, int fd, uint bufPtr) => Errno.Nosys;

    /// <summary><c>fd_prestat_dir_name</c>. See docs.md#fd_prestat_dir_name.</summary>
    public Errno FdPrestatDirName(GuestMemory memory, int fd, uint path, uint pathLen) => Errno.Nosys;

    /// <summary><c>fd_pwrite</c>. See docs.md#fd_pwrite.</summary>
    public Errno FdPwrite(GuestMemory memory, int fd, uint iovs, uint iovsLen, ulong offset, uint nwrittenPtr) => Errno.Nosys;

    /// <summary><c>fd_read</c>. See docs.md#fd_read.</summary>
    public Errno FdRead(GuestMemory memory, int fd, uint iovs, uint iovsLen, uint nreadPtr) => Errno.Nosys;

    /// <summary><c>fd_readdir</c>. See docs.md#fd_readdir.</summary>
    public Errno FdReaddir(GuestMemory memory, int fd, uint buf, uint bufLen, ulong cookie, uint bufusedPtr) => Errno.Nosys;

    /// <summary><c>fd_renumber</c>. See docs.md#fd_renumber.</summary>
    public Errno FdRenumber(GuestMemory memory, int fd, int to) => Errno.Nosys;

    /// <summary><c>fd_seek</c>. See docs.md#fd_seek.</summary>
    public Errno FdSeek(GuestMemory memory, int fd, long offset, uint whence, uint newoffsetPtr) => Errno.Nosys;

    /// <summary><c>fd_sync</c>. See docs.md#fd_sync.</summary>
    public Errno FdSync(GuestMemory memory, int fd) => Errno.Nosys;

    /// <summary><c>fd_tell</c>. See docs.md#fd_tell.</summary>
    public Errno FdTell(GuestMemory memory, int fd, uint offsetPtr) => Errno.Nosys;

    /// <summary><c>fd_write</c>. See docs.md#fd_write.</summary>
    public Errno FdWrite(GuestMemory memory, int fd, uint iovs, uint iovsLen, uint nwrittenPtr) => Errno.Nosys;

}
