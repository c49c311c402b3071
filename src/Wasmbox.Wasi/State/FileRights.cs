using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.State;

/// <summary>
/// The rights each kind of host descriptor can carry. A preopen starts with <see cref="DirectoryBase"/> and
/// inherits <see cref="DirectoryInheriting"/>; path_open gives the new descriptor what the guest asked for, intersected
/// with the directory's inheriting rights and with what its kind can do.
/// </summary>
/// <remarks>
/// Why rights are not where read-only grants are enforced: wasi-libc derives the rights it asks for from the
/// directory's inheriting rights, so a write-open would quietly become a read-only descriptor and fail later, at the
/// first write. Read-only grants keep the full rights and are refused at path_open instead (<see cref="HostDirectoryFd.ReadOnly"/>).
/// </remarks>
public static class FileRights
{
    /// <summary>Rights that make sense on a regular file (or device).</summary>
    public const Rights RegularFileBase = Rights.FdDatasync | Rights.FdRead | Rights.FdSeek | Rights.FdFdstatSetFlags
        | Rights.FdSync | Rights.FdTell | Rights.FdWrite | Rights.FdAdvise | Rights.FdAllocate | Rights.FdFilestatGet
        | Rights.FdFilestatSetSize | Rights.FdFilestatSetTimes | Rights.PollFdReadwrite;

    /// <summary>
    /// Rights that make sense on a directory: exactly the set Wasmtime gives a preopen, which the official test suite
    /// requires and userlands expect. Why not sync, datasync, advise, fdstat_set_flags or poll: a directory answers
    /// those EBADF there, so a right for them would promise what the descriptor does not do.
    /// </summary>
    public const Rights DirectoryBase = Rights.PathCreateDirectory | Rights.PathCreateFile | Rights.PathLinkSource
        | Rights.PathLinkTarget | Rights.PathOpen | Rights.FdReaddir | Rights.PathReadlink | Rights.PathRenameSource
        | Rights.PathRenameTarget | Rights.PathFilestatGet | Rights.PathFilestatSetTimes | Rights.FdFilestatGet
        | Rights.FdFilestatSetTimes | Rights.PathSymlink | Rights.PathRemoveDirectory | Rights.PathUnlinkFile;

    /// <summary>What a directory passes on: everything a directory or a file beneath it may do.</summary>
    public const Rights DirectoryInheriting = DirectoryBase | RegularFileBase;

    /// <summary>Rights that ask for a readable host descriptor.</summary>
    public const Rights ReadIntent = Rights.FdRead | Rights.FdReaddir;
}
