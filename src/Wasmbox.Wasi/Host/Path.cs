using Microsoft.Win32.SafeHandles;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs;
using Wasmbox.Wasi.Fs.Interop;
using Wasmbox.Wasi.Memory;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Host;

// The path_* group: operations on a path relative to a directory descriptor. Every path is resolved beneath that
// descriptor by the kernel (Fs/BeneathResolver.cs); calls on the final component act on its name relative to its
// parent's handle, never on a re-walked string. Order of checks: descriptor (EBADF), kind (ENOTDIR), rights
// (ENOTCAPABLE), flags (EINVAL), the path (ENAMETOOLONG, EILSEQ, EINVAL for NUL, ENOENT for empty, ENOTCAPABLE for
// absolute), read-only grant (EPERM), the disk quota for a call that creates an entry (EDQUOT), then the host.
public sealed partial class WasiHost
{
    /// <summary>Mode of files path_open creates (the process umask applies, as for any open(2)).</summary>
    private const uint CreateFileMode = 0x1B6; // 0666

    /// <summary>Mode of directories path_create_directory creates (umask applies).</summary>
    private const uint CreateDirectoryMode = 0x1FF; // 0777

    /// <summary><c>path_create_directory(fd, path)</c>: mkdirat. See docs.md#path_create_directory.</summary>
    /// <returns>
    /// EBADF, ENOTDIR (fd is not a directory), ENOTCAPABLE (no path_create_directory right, or the path leaves fd),
    /// EPERM (read-only grant), EEXIST, ENOENT (a parent is missing), EDQUOT (<c>--max-disk-write</c> has no room
    /// for one more entry; nothing is created), and the path errors listed on the group.
    /// </returns>
    public Errno PathCreateDirectory(GuestMemory memory, int fd, uint path, uint pathLen)
    {
        var errno = DirectoryFd(fd, Rights.PathCreateDirectory, WasiNames.PathCreateDirectory, out var dir);
        if (errno != Errno.Success) return errno;
        errno = ReadPath(memory, path, pathLen, out var guestPath);
        if (errno != Errno.Success) return errno;
        errno = RefuseIfReadOnly(dir, WasiNames.PathCreateDirectory);
        if (errno != Errno.Success) return errno;
        errno = Parent(dir, guestPath, follow: false, out var parent);
        if (errno != Errno.Success) return errno;
        using (parent)
        {
            errno = StartCreate(parent, out var charge);
            if (errno != Errno.Success) return errno;
            if (Sys.Mkdirat(parent.Dir, parent.Name, CreateDirectoryMode) != 0) return ErrnoMapping.LastError();
            charge.ChargeNewEntry(parent.Dir, parent.Name);
            return Errno.Success;
        }
    }

    /// <summary>
    /// <c>path_filestat_get(fd, flags, path, buf)</c>: the attributes of a file by path; a final symlink is followed
    /// only with lookupflags.symlink_follow (and only beneath fd). Layout: see <see cref="Filestat"/>. See docs.md#path_filestat_get.
    /// </summary>
    /// <returns>EBADF, ENOTDIR, ENOTCAPABLE, EINVAL (unknown lookup flags), ENOENT, ELOOP; traps on a bad buf.</returns>
    public Errno PathFilestatGet(GuestMemory memory, int fd, uint flags, uint path, uint pathLen, uint bufPtr)
    {
        var errno = DirectoryFd(fd, Rights.PathFilestatGet, WasiNames.PathFilestatGet, out var dir);
        if (errno != Errno.Success) return errno;
        if (flags > (uint)Lookupflags.SymlinkFollow) return Errno.Inval;
        errno = ReadPath(memory, path, pathLen, out var guestPath);
        if (errno != Errno.Success) return errno;
        CheckOut(memory, bufPtr, Filestat.Size64, 8);
        // Why not follow from the start: asking whether the last name is a symlink costs a readlinkat on every stat, and
        // nearly every stat names no symlink. The entry's own stat answers that; only a symlink is resolved again, with
        // the follow, beneath fd as before. Nothing is lost: a stat that is not of a symlink is of the entry itself.
        errno = StatEntry(dir, guestPath, follow: false, out var stat, out var trailingSlash);
        if (errno == Errno.Success && flags != 0 && stat.Filetype == Filetype.SymbolicLink)
            errno = StatEntry(dir, guestPath, follow: true, out stat, out trailingSlash);
        if (errno != Errno.Success) return errno;
        if (trailingSlash && stat.Filetype != Filetype.Directory) return Errno.Notdir;
        stat.WriteTo(memory, bufPtr);
        return Errno.Success;
    }

    /// <summary>The stat of the entry <paramref name="path"/> names beneath <paramref name="dir"/> (its final symlink followed with <paramref name="follow"/>).</summary>
    private Errno StatEntry(HostDirectoryFd dir, string path, bool follow, out Filestat stat, out bool trailingSlash)
    {
        stat = default;
        trailingSlash = false;
        var errno = Parent(dir, path, follow, out var parent);
        if (errno != Errno.Success) return errno;
        using (parent)
        {
            trailingSlash = parent.TrailingSlash;
            return FileStatus.OfEntry(parent.Dir, parent.Name, out stat);
        }
    }

    /// <summary>
    /// <c>path_filestat_set_times(fd, flags, path, atim, mtim, fst_flags)</c>: utimensat on the final component (a
    /// symlink itself unless symlink_follow). See docs.md#path_filestat_set_times.
    /// </summary>
    /// <returns>
    /// EBADF, ENOTDIR, ENOTCAPABLE, EINVAL (unknown lookup or fst flags; a time both given and "now"), EPERM
    /// (read-only grant), ENOENT.
    /// </returns>
    public unsafe Errno PathFilestatSetTimes(GuestMemory memory, int fd, uint flags, uint path, uint pathLen, ulong atim, ulong mtim, uint fstFlags)
    {
        var errno = DirectoryFd(fd, Rights.PathFilestatSetTimes, WasiNames.PathFilestatSetTimes, out var dir);
        if (errno != Errno.Success) return errno;
        if (flags > (uint)Lookupflags.SymlinkFollow) return Errno.Inval;
        var times = stackalloc Sys.Timespec[2];
        errno = Timestamps.ToTimespecs(atim, mtim, fstFlags, new Span<Sys.Timespec>(times, 2));
        if (errno != Errno.Success) return errno;
        errno = ReadPath(memory, path, pathLen, out var guestPath);
        if (errno != Errno.Success) return errno;
        errno = RefuseIfReadOnly(dir, WasiNames.PathFilestatSetTimes);
        if (errno != Errno.Success) return errno;
        errno = Parent(dir, guestPath, follow: flags != 0, out var parent);
        if (errno != Errno.Success) return errno;
        using (parent)
            return Sys.Utimensat(parent.Dir, parent.Name, times, Sys.AT_SYMLINK_NOFOLLOW) == 0 ? Errno.Success : ErrnoMapping.LastError();
    }

    /// <summary>
    /// <c>path_link(old_fd, old_flags, old_path, new_fd, new_path)</c>: a hard link; both paths resolve beneath their own
    /// descriptor. See docs.md#path_link.
    /// </summary>
    /// <returns>
    /// EBADF, ENOTDIR, ENOTCAPABLE (path_link_source on old_fd, path_link_target on new_fd, or a path leaving its
    /// descriptor), EINVAL (unknown lookup flags), EPERM (either side is a read-only grant: a link out of one would
    /// make its file writable through the other; or the source is a directory), EEXIST, ENOENT, EXDEV, EDQUOT
    /// (<c>--max-disk-write</c> has no room for one more entry).
    /// </returns>
    public Errno PathLink(GuestMemory memory, int oldFd, uint oldFlags, uint oldPath, uint oldPathLen, int newFd, uint newPath, uint newPathLen)
    {
        var errno = DirectoryFd(oldFd, Rights.PathLinkSource, WasiNames.PathLink, out var oldDir);
        if (errno != Errno.Success) return errno;
        errno = DirectoryFd(newFd, Rights.PathLinkTarget, WasiNames.PathLink, out var newDir);
        if (errno != Errno.Success) return errno;
        if (oldFlags > (uint)Lookupflags.SymlinkFollow) return Errno.Inval;
        errno = ReadPath(memory, oldPath, oldPathLen, out var source);
        if (errno != Errno.Success) return errno;
        errno = ReadPath(memory, newPath, newPathLen, out var target);
        if (errno != Errno.Success) return errno;
        errno = RefuseIfReadOnly(oldDir, WasiNames.PathLink);
        if (errno != Errno.Success) return errno;
        errno = RefuseIfReadOnly(newDir, WasiNames.PathLink);
        if (errno != Errno.Success) return errno;

        errno = Parent(oldDir, source, follow: oldFlags != 0, out var from);
        if (errno != Errno.Success) return errno;
        using (from)
        {
            errno = Parent(newDir, target, follow: false, out var to);
            if (errno != Errno.Success) return errno;
            using (to)
            {
                errno = CheckTrailingSlashSource(from);
                if (errno != Errno.Success) return errno;
                errno = CheckTrailingSlashCreate(to);
                if (errno != Errno.Success) return errno;
                errno = StartCreate(to, out var charge);
                if (errno != Errno.Success) return errno;
                if (Sys.Linkat(from.Dir, from.Name, to.Dir, to.Name, 0) != 0) return ErrnoMapping.LastError();
                charge.ChargeNewLink();
                return Errno.Success;
            }
        }
    }

    /// <summary>
    /// <c>path_open(fd, dirflags, path, oflags, fs_rights_base, fs_rights_inheriting, fdflags, opened_fd)</c>: opens a
    /// file or directory beneath <paramref name="fd"/>. See docs.md#path_open.
    /// </summary>
    /// <remarks>
    /// Rights: the new descriptor gets the requested rights intersected with fd's inheriting rights and with what its
    /// kind can do (no error for asking too much, as wasi-common and wasi-libc expect). The host open mode follows the
    /// rights, as in Wasmtime: write for fd_write, read for fd_read/fd_readdir (or when write is not asked for).
    /// Beneath a read-only grant, asking for fd_write, creat, trunc or append is refused with EPERM, and the new
    /// descriptor is read-only too (any other right it holds cannot change the file).
    /// </remarks>
    /// <returns>
    /// EBADF (fd not open, or not a directory nor a file), ENOTDIR (fd is a file; oflags.directory on a non-directory),
    /// ENOTCAPABLE (no path_open right; creat without path_create_file; the path leaves fd), EINVAL (unknown
    /// lookup, open or fd flags; directory with creat/excl/trunc), EPERM (read-only grant), EEXIST (creat|excl),
    /// EISDIR (fd_write, creat or trunc on a directory, with or without oflags.directory), ELOOP (a final symlink without symlink_follow), ENOENT,
    /// EMFILE (<c>--max-open-files</c>), EDQUOT (creat would create the file and <c>--max-disk-write</c> has no room
    /// for one more entry; nothing is created). Traps on a bad opened_fd pointer, before anything is opened or created.
    /// </returns>
    public Errno PathOpen(GuestMemory memory, int fd, uint dirflags, uint path, uint pathLen, uint oflags, ulong fsRightsBase, ulong fsRightsInheriting, uint fdflags, uint openedFdPtr)
    {
        var errno = DirectoryFd(fd, Rights.PathOpen, WasiNames.PathOpen, out var dir, fileIsNotdir: true);
        if (errno != Errno.Success) return errno;
        if (dirflags > (uint)Lookupflags.SymlinkFollow) return Errno.Inval;
        if ((oflags & ~(uint)(Oflags.Creat | Oflags.Directory | Oflags.Excl | Oflags.Trunc)) != 0) return Errno.Inval;
        if ((fdflags & ~(uint)(Fdflags.Append | Fdflags.Dsync | Fdflags.Nonblock | Fdflags.Rsync | Fdflags.Sync)) != 0) return Errno.Inval;
        var open = (Oflags)oflags;
        var fileFlags = (Fdflags)fdflags;
        if (open.HasFlag(Oflags.Directory) && (open & (Oflags.Creat | Oflags.Excl | Oflags.Trunc)) != 0) return Errno.Inval;
        if (open.HasFlag(Oflags.Creat) && !dir.RightsBase.HasFlag(Rights.PathCreateFile))
            return Refuse(Errno.Notcapable, $"{WasiNames.PathOpen}: creat without the right {Rights.PathCreateFile}");
        errno = ReadPath(memory, path, pathLen, out var guestPath);
        if (errno != Errno.Success) return errno;
        CheckOut(memory, openedFdPtr, 4, 4);

        var requested = (Rights)fsRightsBase;
        // Write access is fd_write alone (below), so only fd_write asks for it here: Go's runtime asks for
        // fd_filestat_set_size on every open, read-only ones too. The descriptor stays read-only whatever rights it
        // holds: a truncate, sync or allocate through it is refused at that call.
        if (dir.ReadOnly && ((requested & Rights.FdWrite) != 0 || (open & (Oflags.Creat | Oflags.Trunc)) != 0 || fileFlags.HasFlag(Fdflags.Append)))
            return Refuse(Errno.Perm, $"{WasiNames.PathOpen}: '{guestPath}': write access in a read-only grant");
        if (Context.Fds.MaxOpen is { } max && Context.Fds.Count >= max)
        {
            // Checked before the host open so that a refused creat leaves no file behind.
            Context.Quotas.OpenFilesLimitHit = true;
            return Errno.Mfile;
        }

        var rightsBase = requested & dir.RightsInheriting;
        var rightsInheriting = (Rights)fsRightsInheriting & dir.RightsInheriting;
        // Why fd_write alone decides write access, as in Wasmtime: a program that reopens a directory with the rights
        // fd_fdstat_get gave it (fd_datasync among them) asks for no writing, and must get the directory, not EISDIR.
        var write = rightsBase.HasFlag(Rights.FdWrite);
        var read = (rightsBase & FileRights.ReadIntent) != 0 || !write;
        var hostFlags = open.HasFlag(Oflags.Directory)
            ? Sys.O_RDONLY | Sys.O_DIRECTORY
            : (read && write ? Sys.O_RDWR : write ? Sys.O_WRONLY : Sys.O_RDONLY)
              | (open.HasFlag(Oflags.Creat) ? Sys.O_CREAT : 0)
              | (open.HasFlag(Oflags.Excl) ? Sys.O_EXCL : 0)
              | (open.HasFlag(Oflags.Trunc) ? Sys.O_TRUNC : 0)
              | (fileFlags.HasFlag(Fdflags.Append) ? Sys.O_APPEND : 0)
              | (fileFlags.HasFlag(Fdflags.Dsync) ? Sys.O_DSYNC : 0)
              // Linux has no separate O_RSYNC: it is O_SYNC.
              | ((fileFlags & (Fdflags.Sync | Fdflags.Rsync)) != 0 ? Sys.O_SYNC : 0)
              | Sys.O_NOCTTY;
        if (dirflags == 0) hostFlags |= Sys.O_NOFOLLOW;
        // Why always O_NONBLOCK (and O_NOCTTY above): the kind of file is known only once it is open, and opening a
        // FIFO without it blocks until a writer comes, where no deadline reaches. Cleared again below for a regular file.
        hostFlags |= Sys.O_NONBLOCK;

        errno = Escaped(OpenCharged(dir, guestPath, hostFlags, follow: dirflags != 0, out var handle), WasiNames.PathOpen, guestPath);
        // A FIFO opened for writing with no reader, or a socket, fails with ENXIO: still a special file to refuse.
        if (errno == Errno.Nxio && !Context.Options.AllowSpecialFiles && IsSpecialEntry(dir, guestPath, hostFlags))
            return RefuseSpecial(guestPath);
        if (errno != Errno.Success) return errno;
        errno = FileStatus.Of(handle, out var stat);
        if (errno == Errno.Success && IsSpecial(stat.Filetype) && !Context.Options.AllowSpecialFiles)
        {
            // Checked on the opened descriptor, not the name: a swap between a check and the open cannot slip one in.
            handle.Dispose();
            return RefuseSpecial(guestPath);
        }
        if (errno == Errno.Success && stat.Filetype == Filetype.RegularFile && !fileFlags.HasFlag(Fdflags.Nonblock)
            && Sys.Fcntl(handle, Sys.F_SETFL, hostFlags & Sys.O_APPEND) < 0)
            errno = ErrnoMapping.LastError();
        // oflags.directory with fd_write: the directory is there, but cannot be written (EISDIR, as Wasmtime and open(2)
        // with O_WRONLY answer). Opened read-only first so that a file still says ENOTDIR and a missing name ENOENT.
        if (errno == Errno.Success && open.HasFlag(Oflags.Directory) && write) errno = Errno.Isdir;
        if (errno != Errno.Success)
        {
            handle.Dispose();
            return errno;
        }
        WasiFd opened = stat.Filetype == Filetype.Directory
            ? HostDirectoryFd.OpenedBeneath(handle, dir.ReadOnly, rightsBase & FileRights.DirectoryBase, rightsInheriting)
            : new HostFileFd(handle, stat.Filetype, fileFlags, dir.ReadOnly, Context.Quotas, rightsBase & FileRights.RegularFileBase, rightsInheriting);
        errno = Context.Fds.Add(opened, out var number);
        if (errno != Errno.Success)
        {
            opened.Dispose();
            if (errno == Errno.Mfile) Context.Quotas.OpenFilesLimitHit = true;
            return errno;
        }
        memory.WriteU32(openedFdPtr, (uint)number);
        return Errno.Success;
    }

    /// <summary>
    /// Opens <paramref name="path"/> beneath <paramref name="dir"/> (<see cref="BeneathResolver.Open"/>); an open with
    /// O_CREAT that creates the file is charged to the disk quota as a new entry, and refused (EDQUOT) when the quota
    /// has no room for one.
    /// </summary>
    private Errno OpenCharged(HostDirectoryFd dir, string path, int hostFlags, bool follow, out SafeFileHandle handle)
    {
        if ((hostFlags & Sys.O_CREAT) == 0 || !Context.Quotas.LimitsDisk)
            return BeneathResolver.Open(dir.Handle, path, hostFlags, CreateFileMode, out handle);
        Errno errno;
        if ((hostFlags & Sys.O_EXCL) == 0)
        {
            // Why open twice: only an open that creates the file costs an entry, and only that one may be refused once
            // the quota is spent (a guest reopening its own file with O_CREAT must still get it). So first open what
            // is there without creating; only ENOENT goes on to create.
            errno = BeneathResolver.Open(dir.Handle, path, hostFlags & ~Sys.O_CREAT, 0, out handle);
            if (errno != Errno.Noent) return errno;
        }
        handle = null!;
        errno = BeneathResolver.OpenParent(dir.Handle, path, follow, out var parent);
        if (errno != Errno.Success) return errno;
        using (parent)
        {
            errno = StartCreate(parent, out var charge);
            if (errno != Errno.Success) return errno;
            errno = BeneathResolver.Open(dir.Handle, path, hostFlags, CreateFileMode, out handle);
            if (errno == Errno.Success) charge.ChargeNewEntry(handle);
            return errno;
        }
    }

    /// <summary>
    /// <c>path_readlink(fd, path, buf, buf_len, bufused)</c>: the target of a symlink, truncated to buf_len (a guest
    /// that sees bufused == buf_len retries with a bigger buffer). No NUL is written. See docs.md#path_readlink.
    /// </summary>
    /// <returns>EBADF, ENOTDIR, ENOTCAPABLE, EINVAL (not a symlink), ENOENT; traps on a bad buf or bufused.</returns>
    public unsafe Errno PathReadlink(GuestMemory memory, int fd, uint path, uint pathLen, uint buf, uint bufLen, uint bufusedPtr)
    {
        var errno = DirectoryFd(fd, Rights.PathReadlink, WasiNames.PathReadlink, out var dir);
        if (errno != Errno.Success) return errno;
        errno = ReadPath(memory, path, pathLen, out var guestPath);
        if (errno != Errno.Success) return errno;
        var destination = memory.Slice(buf, bufLen);
        CheckOut(memory, bufusedPtr, 4, 4);
        errno = Parent(dir, guestPath, follow: guestPath.EndsWith('/'), out var parent);
        if (errno != Errno.Success) return errno;
        using (parent)
        {
            var target = stackalloc byte[Sys.PATH_MAX];
            var n = Sys.Readlinkat(parent.Dir, parent.Name, target, Sys.PATH_MAX);
            if (n < 0) return ErrnoMapping.LastError();
            var copied = (int)Math.Min(n, destination.Length);
            new ReadOnlySpan<byte>(target, copied).CopyTo(destination);
            memory.WriteU32(bufusedPtr, (uint)copied);
            return Errno.Success;
        }
    }

    /// <summary><c>path_remove_directory(fd, path)</c>: rmdir (unlinkat AT_REMOVEDIR). See docs.md#path_remove_directory.</summary>
    /// <returns>EBADF, ENOTDIR (also for a non-directory or a symlink), ENOTCAPABLE, EPERM (read-only grant), ENOTEMPTY, ENOENT, EINVAL (".").</returns>
    public Errno PathRemoveDirectory(GuestMemory memory, int fd, uint path, uint pathLen)
    {
        var errno = DirectoryFd(fd, Rights.PathRemoveDirectory, WasiNames.PathRemoveDirectory, out var dir);
        if (errno != Errno.Success) return errno;
        errno = ReadPath(memory, path, pathLen, out var guestPath);
        if (errno != Errno.Success) return errno;
        errno = RefuseIfReadOnly(dir, WasiNames.PathRemoveDirectory);
        if (errno != Errno.Success) return errno;
        errno = Parent(dir, guestPath, follow: false, out var parent);
        if (errno != Errno.Success) return errno;
        using (parent)
            return Sys.Unlinkat(parent.Dir, parent.Name, Sys.AT_REMOVEDIR) == 0 ? Errno.Success : ErrnoMapping.LastError();
    }

    /// <summary>
    /// <c>path_rename(fd, old_path, new_fd, new_path)</c>: renameat; both paths resolve beneath their own descriptor.
    /// See docs.md#path_rename.
    /// </summary>
    /// <returns>
    /// EBADF, ENOTDIR, ENOTCAPABLE (path_rename_source on fd, path_rename_target on new_fd, or a path leaving its
    /// descriptor), EPERM (either side is a read-only grant: renaming out of one removes from it), ENOENT, EEXIST,
    /// ENOTEMPTY, EISDIR, EXDEV (another file system).
    /// </returns>
    public Errno PathRename(GuestMemory memory, int fd, uint oldPath, uint oldPathLen, int newFd, uint newPath, uint newPathLen)
    {
        var errno = DirectoryFd(fd, Rights.PathRenameSource, WasiNames.PathRename, out var oldDir);
        if (errno != Errno.Success) return errno;
        errno = DirectoryFd(newFd, Rights.PathRenameTarget, WasiNames.PathRename, out var newDir);
        if (errno != Errno.Success) return errno;
        errno = ReadPath(memory, oldPath, oldPathLen, out var source);
        if (errno != Errno.Success) return errno;
        errno = ReadPath(memory, newPath, newPathLen, out var target);
        if (errno != Errno.Success) return errno;
        errno = RefuseIfReadOnly(oldDir, WasiNames.PathRename);
        if (errno != Errno.Success) return errno;
        errno = RefuseIfReadOnly(newDir, WasiNames.PathRename);
        if (errno != Errno.Success) return errno;

        errno = Parent(oldDir, source, follow: false, out var from);
        if (errno != Errno.Success) return errno;
        using (from)
        {
            errno = Parent(newDir, target, follow: false, out var to);
            if (errno != Errno.Success) return errno;
            using (to)
            {
                if (from.TrailingSlash || to.TrailingSlash)
                {
                    // "a/" names a directory: renaming a file that way is ENOTDIR, as rename(2) says.
                    errno = FileStatus.OfEntry(from.Dir, from.Name, out var stat);
                    if (errno != Errno.Success) return errno;
                    if (stat.Filetype != Filetype.Directory) return Errno.Notdir;
                }
                // Why no quota check: a rename creates no entry, but the target directory may still grow, so it is measured.
                errno = DiskCharge.Measure(Context.Quotas, to.Dir, out var charge);
                if (errno != Errno.Success) return errno;
                if (Sys.Renameat(from.Dir, from.Name, to.Dir, to.Name) != 0) return ErrnoMapping.LastError();
                charge.ChargeGrowth();
                return Errno.Success;
            }
        }
    }

    /// <summary>
    /// <c>path_symlink(old_path, fd, new_path)</c>: creates a symlink at new_path holding old_path. See docs.md#path_symlink.
    /// </summary>
    /// <remarks>
    /// An absolute target is refused (ENOTCAPABLE): it could only ever point outside the guest's view, and host tools
    /// that later walk the grant would follow it. A relative target is stored as given; following it is confined like
    /// any other path, so one that climbs out of the grant simply fails to resolve for the guest.
    /// </remarks>
    /// <returns>
    /// EBADF, ENOTDIR, ENOTCAPABLE, EPERM (read-only grant), EEXIST, ENOENT (empty target; missing parent), EDQUOT
    /// (<c>--max-disk-write</c> has no room for one more entry).
    /// </returns>
    public Errno PathSymlink(GuestMemory memory, uint oldPath, uint oldPathLen, int fd, uint newPath, uint newPathLen)
    {
        var errno = DirectoryFd(fd, Rights.PathSymlink, WasiNames.PathSymlink, out var dir);
        if (errno != Errno.Success) return errno;
        errno = ReadPath(memory, oldPath, oldPathLen, out var target);
        if (errno != Errno.Success) return errno;
        errno = ReadPath(memory, newPath, newPathLen, out var linkPath);
        if (errno != Errno.Success) return errno;
        errno = RefuseIfReadOnly(dir, WasiNames.PathSymlink);
        if (errno != Errno.Success) return errno;
        errno = Parent(dir, linkPath, follow: false, out var parent);
        if (errno != Errno.Success) return errno;
        using (parent)
        {
            errno = CheckTrailingSlashCreate(parent);
            if (errno != Errno.Success) return errno;
            errno = StartCreate(parent, out var charge);
            if (errno != Errno.Success) return errno;
            if (Sys.Symlinkat(target, parent.Dir, parent.Name) != 0) return ErrnoMapping.LastError();
            charge.ChargeNewEntry(parent.Dir, parent.Name);
            return Errno.Success;
        }
    }

    /// <summary><c>path_unlink_file(fd, path)</c>: unlinkat of a non-directory (a symlink itself, never its target). See docs.md#path_unlink_file.</summary>
    /// <returns>EBADF, ENOTDIR, ENOTCAPABLE, EPERM (read-only grant), EISDIR (a directory), ENOENT.</returns>
    public Errno PathUnlinkFile(GuestMemory memory, int fd, uint path, uint pathLen)
    {
        var errno = DirectoryFd(fd, Rights.PathUnlinkFile, WasiNames.PathUnlinkFile, out var dir);
        if (errno != Errno.Success) return errno;
        errno = ReadPath(memory, path, pathLen, out var guestPath);
        if (errno != Errno.Success) return errno;
        errno = RefuseIfReadOnly(dir, WasiNames.PathUnlinkFile);
        if (errno != Errno.Success) return errno;
        errno = Parent(dir, guestPath, follow: false, out var parent);
        if (errno != Errno.Success) return errno;
        using (parent)
        {
            if (parent.TrailingSlash)
            {
                errno = FileStatus.OfEntry(parent.Dir, parent.Name, out var stat);
                if (errno != Errno.Success) return errno;
                return stat.Filetype == Filetype.Directory ? Errno.Isdir : Errno.Notdir;
            }
            return Sys.Unlinkat(parent.Dir, parent.Name, 0) == 0 ? Errno.Success : ErrnoMapping.LastError();
        }
    }

    /// <summary>The directory descriptor <paramref name="fd"/>, if it has every right in <paramref name="needed"/>.</summary>
    /// <returns>
    /// EBADF: not open, or not a directory. ENOTDIR instead for path_open on a file (<paramref name="fileIsNotdir"/>):
    /// those are Wasmtime's answers, and wasi-libc passes them on as errno. ENOTCAPABLE: a right is missing.
    /// </returns>
    private Errno DirectoryFd(int fd, Rights needed, string call, out HostDirectoryFd dir, bool fileIsNotdir = false)
    {
        var errno = Context.Fds.Get(fd, out dir);
        if (errno == Errno.Badf && fileIsNotdir && Context.Fds.Get(fd) is HostFileFd) return Errno.Notdir;
        return errno != Errno.Success ? errno : RefuseIfMissing(dir, needed, call);
    }

    /// <summary>
    /// Reads a path argument and refuses what can never be resolved beneath a directory.
    /// </summary>
    /// <returns>
    /// ENAMETOOLONG: <see cref="Sys.PATH_MAX"/> bytes or more (the kernel takes no longer path, its NUL included).
    /// EILSEQ: not UTF-8. EINVAL: a NUL byte (the host would silently cut the path there; Wasmtime refuses it as
    /// invalid input too). ENOENT: empty (as POSIX). ENOTCAPABLE: absolute (a refusal; WASI paths are relative to
    /// their descriptor).
    /// </returns>
    private Errno ReadPath(GuestMemory memory, uint ptr, uint len, out string path)
    {
        path = "";
        if (len >= Sys.PATH_MAX)
        {
            // Why before reading: a 2 GiB path would be decoded (and fail with OutOfMemoryException) before the kernel
            // could refuse it. The bounds still come first: an out-of-bounds pointer traps, whatever its length.
            memory.RequireInBounds(ptr, len);
            return Errno.Nametoolong;
        }
        var errno = memory.ReadString(ptr, len, out path);
        if (errno != Errno.Success) return errno;
        if (path.Contains('\0')) return Refuse(Errno.Inval, "path contains a NUL byte");
        if (path.Length == 0) return Errno.Noent;
        if (path[0] == '/') return Refuse(Errno.Notcapable, $"absolute path '{path}'");
        return Errno.Success;
    }

    /// <summary>Resolves the parent of <paramref name="path"/> beneath <paramref name="dir"/>; records an escape as a refusal.</summary>
    private Errno Parent(HostDirectoryFd dir, string path, bool follow, out ResolvedParent parent) =>
        Escaped(BeneathResolver.OpenParent(dir.Handle, path, follow, out parent), "path", path);

    /// <summary>Passes <paramref name="errno"/> on, recording ENOTCAPABLE from the resolver as the refusal it is.</summary>
    /// <summary>
    /// Not a regular file, directory or symlink: a character or block device, a FIFO or a socket (path_open refuses
    /// them unless <see cref="WasiOptions.AllowSpecialFiles"/>).
    /// </summary>
    private static bool IsSpecial(Filetype type) => type is not (Filetype.RegularFile or Filetype.Directory or Filetype.SymbolicLink);

    /// <summary>Whether <paramref name="path"/> beneath <paramref name="dir"/> names a special file (an O_PATH look, for choosing the errno only).</summary>
    private static bool IsSpecialEntry(HostDirectoryFd dir, string path, int openFlags)
    {
        var flags = Sys.O_PATH | (openFlags & Sys.O_NOFOLLOW);
        if (BeneathResolver.Open(dir.Handle, path, flags, 0, out var handle) != Errno.Success) return false;
        using (handle) return FileStatus.Of(handle, out var stat) == Errno.Success && IsSpecial(stat.Filetype);
    }

    /// <summary>
    /// Refuses to open a device, FIFO or socket beneath a grant.
    /// </summary>
    /// <remarks>
    /// Why <see cref="Errno.Acces"/>: it is what the jail tier's kernel answers for a device on its <c>nodev</c> mounts,
    /// so a guest sees the same errno in every tier; Wasmtime would open the file (docs/wasi-deviations.md). Why refuse:
    /// a FIFO blocks its reader and a device reaches past the grant's files (docs/SECURITY.md).
    /// </remarks>
    private Errno RefuseSpecial(string path) =>
        Refuse(Errno.Acces, $"{WasiNames.PathOpen}: '{path}' is a device, FIFO or socket (special files are not allowed)");

    private Errno Escaped(Errno errno, string call, string path) =>
        errno == Errno.Notcapable ? Refuse(errno, $"{call}: '{path}' leads outside its directory") : errno;

    /// <summary>
    /// Before a call that creates the entry <paramref name="target"/> (mkdir, symlink, link): checks that the disk quota
    /// has room for one more entry and measures the directory it goes into (<see cref="DiskCharge"/>).
    /// </summary>
    /// <returns>
    /// EDQUOT (the limit marked hit) when there is no room; but EEXIST when the name is taken, which the host call
    /// would answer without creating anything, so a guest that only checks for EEXIST is not misled.
    /// </returns>
    private Errno StartCreate(ResolvedParent target, out DiskCharge charge)
    {
        charge = default;
        var quotas = Context.Quotas;
        if (quotas.DiskRoom(DiskCharge.EntryCost) < DiskCharge.EntryCost)
        {
            if (FileStatus.OfEntry(target.Dir, target.Name, out _) == Errno.Success) return Errno.Exist;
            quotas.MarkDiskLimitHit();
            return Errno.Dquot;
        }
        return DiskCharge.Measure(quotas, target.Dir, out charge);
    }

    /// <summary>A source written "name/" must be a directory (ENOTDIR otherwise).</summary>
    private static Errno CheckTrailingSlashSource(ResolvedParent source)
    {
        if (!source.TrailingSlash) return Errno.Success;
        var errno = FileStatus.OfEntry(source.Dir, source.Name, out var stat);
        if (errno != Errno.Success) return errno;
        return stat.Filetype == Filetype.Directory ? Errno.Success : Errno.Notdir;
    }

    /// <summary>
    /// A new non-directory name written "name/": EEXIST when something is there, else ENOENT (a trailing slash names a
    /// directory, which link and symlink cannot create). Why check at all: the host calls get the name without the
    /// slash, so they would otherwise create it.
    /// </summary>
    private static Errno CheckTrailingSlashCreate(ResolvedParent target)
    {
        if (!target.TrailingSlash) return Errno.Success;
        return FileStatus.OfEntry(target.Dir, target.Name, out _) == Errno.Success ? Errno.Exist : Errno.Noent;
    }
}
