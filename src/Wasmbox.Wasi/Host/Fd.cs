using System.Buffers.Binary;
using System.Text;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs;
using Wasmbox.Wasi.Memory;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Host;

// The fd_* group: operations on an open descriptor. Each dispatches to the WasiFd virtuals, so stdio, host files,
// directories and sockets go through the same code. Order of checks in every call: the descriptor (EBADF), its kind,
// the read-only grant for calls that change the file (EPERM), its rights (ENOTCAPABLE), the arguments (EINVAL); guest pointers are checked (a trap)
// before anything changes on the host.
public sealed partial class WasiHost
{
    /// <summary>Size of an iovec/ciovec (docs.md#iovec): <c>0 buf u32 | 4 buf_len u32</c>, alignment 4.</summary>
    private const uint IovecSize = 8;

    /// <summary>Size of fdstat (docs.md#fdstat).</summary>
    private const uint FdstatSize = 24;

    /// <summary>Size of prestat (docs.md#prestat).</summary>
    private const uint PrestatSize = 8;

    /// <summary>
    /// <c>fd_advise(fd, offset, len, advice)</c>: posix_fadvise on a file. See docs.md#fd_advise.
    /// </summary>
    /// <returns>
    /// EBADF: fd is not open. ENOTCAPABLE: no fd_advise right. EINVAL: advice is not one of the six values, or offset/len
    /// does not fit a host offset. ESPIPE: the descriptor is a stream. Directories accept and ignore advice.
    /// </returns>
    public Errno FdAdvise(GuestMemory memory, int fd, ulong offset, ulong len, uint advice)
    {
        var errno = Descriptor(fd, Rights.FdAdvise, WasiNames.FdAdvise, out var file);
        if (errno != Errno.Success) return errno;
        if (advice > (uint)Advice.Noreuse) return Errno.Inval;
        return file.Advise(offset, len, (Advice)advice);
    }

    /// <summary>
    /// <c>fd_allocate(fd, offset, len)</c>: makes sure the bytes [offset, offset+len) are allocated (posix_fallocate);
    /// the blocks it allocates count against <c>--max-disk-write</c>. See docs.md#fd_allocate.
    /// </summary>
    /// <returns>
    /// EBADF: not open (or a directory). ENOTCAPABLE: no fd_allocate right. EPERM: read-only grant. EINVAL: len is 0 or
    /// a value does not fit a host offset. EFBIG: offset+len too large. EDQUOT: len (the most the call can allocate) is beyond what the disk quota has left.
    /// ESPIPE: a stream.
    /// </returns>
    public Errno FdAllocate(GuestMemory memory, int fd, ulong offset, ulong len)
    {
        var errno = MutableDescriptor(fd, Rights.FdAllocate, WasiNames.FdAllocate, out var file);
        if (errno != Errno.Success) return errno;
        return file.Allocate(offset, len);
    }

    /// <summary><c>fd_close(fd)</c>. Preopens may be closed too (as in Wasmtime). See docs.md#fd_close.</summary>
    /// <returns>EBADF: fd is not open.</returns>
    public Errno FdClose(GuestMemory memory, int fd) => Context.Fds.Close(fd);

    /// <summary><c>fd_datasync(fd)</c>: fdatasync. See docs.md#fd_datasync.</summary>
    /// <returns>EBADF: not open. ENOTCAPABLE: no fd_datasync right. EINVAL: a stream (nothing to sync).</returns>
    public Errno FdDatasync(GuestMemory memory, int fd)
    {
        var errno = Descriptor(fd, Rights.FdDatasync, WasiNames.FdDatasync, out var file);
        return errno != Errno.Success ? errno : file.Datasync();
    }

    /// <summary>
    /// <c>fd_fdstat_get(fd, stat)</c>: the descriptor's type, flags and rights. See docs.md#fd_fdstat_get.
    /// <code>
    /// stat (24 bytes, align 8): 0 fs_filetype u8 | 1 zero | 2 fs_flags u16 | 4..7 zero | 8 fs_rights_base u64 | 16 fs_rights_inheriting u64
    /// </code>
    /// </summary>
    /// <returns>EBADF: fd is not open. Traps when stat is out of bounds or not 8-aligned.</returns>
    public Errno FdFdstatGet(GuestMemory memory, int fd, uint statPtr)
    {
        var file = Context.Fds.Get(fd);
        if (file is null) return Errno.Badf;
        if (statPtr % 8 != 0) throw WasiTrap.Misaligned(statPtr, 8);
        var bytes = memory.Slice(statPtr, FdstatSize);
        bytes.Clear();
        bytes[0] = (byte)file.Filetype;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[2..], (ushort)file.Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], (ulong)file.RightsBase);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[16..], (ulong)file.RightsInheriting);
        return Errno.Success;
    }

    /// <summary>
    /// <c>fd_fdstat_set_flags(fd, flags)</c>: changes append and nonblock. See docs.md#fd_fdstat_set_flags.
    /// </summary>
    /// <returns>
    /// EBADF: not open. ENOTCAPABLE: no fd_fdstat_set_flags right. EINVAL: unknown flag bits. ENOTSUP: the descriptor
    /// cannot change them (stdio, directories), or dsync/rsync/sync would change (Linux fixes those at open).
    /// </returns>
    public Errno FdFdstatSetFlags(GuestMemory memory, int fd, uint flags)
    {
        var errno = Descriptor(fd, Rights.FdFdstatSetFlags, WasiNames.FdFdstatSetFlags, out var file);
        if (errno != Errno.Success) return errno;
        if ((flags & ~(uint)(Fdflags.Append | Fdflags.Dsync | Fdflags.Nonblock | Fdflags.Rsync | Fdflags.Sync)) != 0) return Errno.Inval;
        return file.SetFlags((Fdflags)flags);
    }

    /// <summary>
    /// <c>fd_fdstat_set_rights(fd, base, inheriting)</c>: drops rights; never adds any. See docs.md#fd_fdstat_set_rights.
    /// </summary>
    /// <returns>EBADF: not open. ENOTCAPABLE: either set holds a right the descriptor does not have.</returns>
    public Errno FdFdstatSetRights(GuestMemory memory, int fd, ulong fsRightsBase, ulong fsRightsInheriting)
    {
        var file = Context.Fds.Get(fd);
        if (file is null) return Errno.Badf;
        var wantedBase = (Rights)fsRightsBase;
        var wantedInheriting = (Rights)fsRightsInheriting;
        if ((wantedBase & ~file.RightsBase) != 0 || (wantedInheriting & ~file.RightsInheriting) != 0)
            return Refuse(Errno.Notcapable, $"{WasiNames.FdFdstatSetRights}: rights can only be dropped");
        file.RightsBase = wantedBase;
        file.RightsInheriting = wantedInheriting;
        return Errno.Success;
    }

    /// <summary>
    /// <c>fd_filestat_get(fd, buf)</c>: the attributes of the open file, nanosecond timestamps. See docs.md#fd_filestat_get.
    /// Layout: see <see cref="Filestat"/> (64 bytes, align 8).
    /// </summary>
    /// <returns>EBADF: not open. ENOTCAPABLE: no fd_filestat_get right. Traps on a bad buf.</returns>
    public Errno FdFilestatGet(GuestMemory memory, int fd, uint bufPtr)
    {
        var errno = Descriptor(fd, Rights.FdFilestatGet, WasiNames.FdFilestatGet, out var file);
        if (errno != Errno.Success) return errno;
        CheckOut(memory, bufPtr, Filestat.Size64, 8);
        errno = file.FilestatGet(out var stat);
        if (errno != Errno.Success) return errno;
        stat.WriteTo(memory, bufPtr);
        return Errno.Success;
    }

    /// <summary>
    /// <c>fd_filestat_set_size(fd, size)</c>: ftruncate; growth counts against <c>--max-disk-write</c>. See docs.md#fd_filestat_set_size.
    /// </summary>
    /// <returns>
    /// EBADF: not open (or a directory). ENOTCAPABLE: no right. EPERM: read-only grant. EINVAL: size does not fit a host
    /// offset, or a stream. EDQUOT: the growth is beyond the disk quota.
    /// </returns>
    public Errno FdFilestatSetSize(GuestMemory memory, int fd, ulong size)
    {
        var errno = MutableDescriptor(fd, Rights.FdFilestatSetSize, WasiNames.FdFilestatSetSize, out var file);
        if (errno != Errno.Success) return errno;
        return file.FilestatSetSize(size);
    }

    /// <summary>
    /// <c>fd_filestat_set_times(fd, atim, mtim, fst_flags)</c>: futimens (utimensat on a directory). See docs.md#fd_filestat_set_times.
    /// </summary>
    /// <returns>
    /// EBADF: not open. ENOTCAPABLE: no right. EINVAL: unknown flag bits, atim together with atim_now, or mtim with
    /// mtim_now; or a stream. EPERM: read-only grant.
    /// </returns>
    public Errno FdFilestatSetTimes(GuestMemory memory, int fd, ulong atim, ulong mtim, uint fstFlags)
    {
        var errno = MutableDescriptor(fd, Rights.FdFilestatSetTimes, WasiNames.FdFilestatSetTimes, out var file);
        if (errno != Errno.Success) return errno;
        Span<Fs.Interop.Sys.Timespec> unused = stackalloc Fs.Interop.Sys.Timespec[2];
        errno = Timestamps.ToTimespecs(atim, mtim, fstFlags, unused);
        return errno != Errno.Success ? errno : file.FilestatSetTimes(atim, mtim, (Fstflags)fstFlags);
    }

    /// <summary>
    /// <c>fd_pread(fd, iovs, iovs_len, offset, nread)</c>: reads at an offset without moving the file position. See docs.md#fd_pread.
    /// </summary>
    /// <returns>
    /// EBADF: not open. ENOTCAPABLE: lacks fd_read or fd_seek. ESPIPE: a stream. EINVAL: offset beyond a host offset.
    /// EOVERFLOW: the buffers add up to more than 4 GiB. Traps on a bad iovec or nread pointer.
    /// </returns>
    public Errno FdPread(GuestMemory memory, int fd, uint iovs, uint iovsLen, ulong offset, uint nreadPtr)
    {
        var errno = Descriptor(fd, Rights.FdRead | Rights.FdSeek, WasiNames.FdPread, out var file);
        if (errno != Errno.Success) return errno;
        errno = Vectored<PreadTransfer>(memory, file, iovs, iovsLen, offset, nreadPtr, out var moved);
        Context.Quotas.CountRead(moved);
        return errno;
    }

    /// <summary>
    /// <c>fd_prestat_get(fd, buf)</c>: describes a preopened directory. See docs.md#fd_prestat_get.
    /// <code>
    /// buf (8 bytes, align 4): 0 tag u8 (0 = dir) | 1..3 zero | 4 pr_name_len u32 (UTF-8 bytes of the guest path)
    /// </code>
    /// </summary>
    /// <returns>EBADF: fd is not open or not a preopen (wasi-libc enumerates preopens from 3 until EBADF).</returns>
    public Errno FdPrestatGet(GuestMemory memory, int fd, uint bufPtr)
    {
        if (Context.Fds.Get(fd) is not HostDirectoryFd { PreopenName: { } name }) return Errno.Badf;
        if (bufPtr % 4 != 0) throw WasiTrap.Misaligned(bufPtr, 4);
        var bytes = memory.Slice(bufPtr, PrestatSize);
        bytes.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[4..], (uint)Encoding.UTF8.GetByteCount(name));
        return Errno.Success;
    }

    /// <summary>
    /// <c>fd_prestat_dir_name(fd, path, path_len)</c>: the guest path of a preopen, UTF-8, no NUL. See docs.md#fd_prestat_dir_name.
    /// </summary>
    /// <returns>
    /// EBADF: not open. ENOTDIR: open but not a preopen (Wasmtime's answer; fd_prestat_get says EBADF there).
    /// ENAMETOOLONG: path_len is smaller than the name (nothing is written; Wasmtime does the same).
    /// </returns>
    public Errno FdPrestatDirName(GuestMemory memory, int fd, uint path, uint pathLen)
    {
        var open = Context.Fds.Get(fd);
        if (open is null) return Errno.Badf;
        if (open is not HostDirectoryFd { PreopenName: { } name }) return Errno.Notdir;
        var bytes = Encoding.UTF8.GetBytes(name);
        var destination = memory.Slice(path, pathLen);
        if (bytes.Length > destination.Length) return Errno.Nametoolong;
        bytes.CopyTo(destination);
        return Errno.Success;
    }

    /// <summary>
    /// <c>fd_pwrite(fd, iovs, iovs_len, offset, nwritten)</c>: writes at an offset without moving the file position;
    /// counts against <c>--max-disk-write</c>. See docs.md#fd_pwrite.
    /// </summary>
    /// <returns>
    /// EBADF: not open. ENOTCAPABLE: lacks fd_write or fd_seek. EPERM: read-only grant. ESPIPE: a stream. EINVAL: offset
    /// beyond a host offset. EDQUOT: nothing more may be written. EOVERFLOW: buffers over 4 GiB. Traps on bad pointers.
    /// </returns>
    public Errno FdPwrite(GuestMemory memory, int fd, uint iovs, uint iovsLen, ulong offset, uint nwrittenPtr)
    {
        var errno = MutableDescriptor(fd, Rights.FdWrite | Rights.FdSeek, WasiNames.FdPwrite, out var file);
        if (errno != Errno.Success) return errno;
        errno = Vectored<PwriteTransfer>(memory, file, iovs, iovsLen, offset, nwrittenPtr, out var moved);
        Context.Quotas.CountWritten(moved);
        return errno;
    }

    /// <summary>
    /// <c>fd_read(fd, iovs, iovs_len, nread)</c>: scatter read at the current position. Stops at the first short read
    /// (so a stream is never asked twice while the guest waits). See docs.md#fd_read.
    /// </summary>
    /// <returns>
    /// EBADF: not open, or not readable (stdout, a directory). ENOTCAPABLE: no fd_read right. EAGAIN: nonblocking and
    /// nothing to read. EOVERFLOW: buffers over 4 GiB. Traps on a bad iovec or nread pointer. nread = 0 at end of file.
    /// </returns>
    public Errno FdRead(GuestMemory memory, int fd, uint iovs, uint iovsLen, uint nreadPtr)
    {
        var errno = Descriptor(fd, Rights.FdRead, WasiNames.FdRead, out var file);
        if (errno != Errno.Success) return errno;
        errno = Vectored<ReadTransfer>(memory, file, iovs, iovsLen, 0, nreadPtr, out var moved);
        Context.Quotas.CountRead(moved);
        return errno;
    }

    /// <summary>
    /// <c>fd_readdir(fd, buf, buf_len, cookie, bufused)</c>: directory entries from <paramref name="cookie"/> on, "." and
    /// ".." included; the last entry is truncated when it does not fit (bufused == buf_len then means "maybe more").
    /// Dirent layout: see <see cref="DirectoryReader.Fill"/>. See docs.md#fd_readdir.
    /// </summary>
    /// <returns>
    /// EBADF: not open, or not a directory (Wasmtime's answer). ENOTCAPABLE: no fd_readdir right. EINVAL: a cookie no listing gave.
    /// Traps on a bad buf or bufused pointer.
    /// </returns>
    public Errno FdReaddir(GuestMemory memory, int fd, uint buf, uint bufLen, ulong cookie, uint bufusedPtr)
    {
        var errno = Context.Fds.Get<HostDirectoryFd>(fd, out var dir);
        if (errno != Errno.Success) return errno;
        errno = RefuseIfMissing(dir, Rights.FdReaddir, WasiNames.FdReaddir);
        if (errno != Errno.Success) return errno;
        var buffer = memory.Slice(buf, bufLen);
        CheckOut(memory, bufusedPtr, 4, 4);
        errno = dir.Readable(out var readable, out var temporary);
        if (errno != Errno.Success) return errno;
        int used;
        try { errno = DirectoryReader.Fill(readable, cookie, buffer, out used); }
        finally
        {
            if (temporary) readable.Dispose();
        }
        if (errno != Errno.Success) return errno;
        memory.WriteU32(bufusedPtr, (uint)used);
        return Errno.Success;
    }

    /// <summary>
    /// <c>fd_renumber(fd, to)</c>: moves descriptor <paramref name="fd"/> to number <paramref name="to"/>, closing what
    /// was there. See docs.md#fd_renumber.
    /// </summary>
    /// <returns>EBADF: either number is not open (the spec's semantics, unlike dup2).</returns>
    public Errno FdRenumber(GuestMemory memory, int fd, int to) => Context.Fds.Renumber(fd, to);

    /// <summary>
    /// <c>fd_seek(fd, offset, whence, newoffset)</c>: lseek. See docs.md#fd_seek.
    /// </summary>
    /// <returns>
    /// EBADF: not open, or a directory. ENOTCAPABLE: no fd_seek right (fd_tell suffices for a (0, cur) query).
    /// EINVAL: whence is not set/cur/end, or the result would be negative. ESPIPE: a stream. Traps on a bad newoffset.
    /// </returns>
    public Errno FdSeek(GuestMemory memory, int fd, long offset, uint whence, uint newoffsetPtr)
    {
        var file = Context.Fds.Get(fd);
        if (file is null) return Errno.Badf;
        var needed = whence == (uint)Whence.Cur && offset == 0 && !file.RightsBase.HasFlag(Rights.FdSeek) ? Rights.FdTell : Rights.FdSeek;
        var errno = KindCannot(file, needed) ? Errno.Success : RefuseIfMissing(file, needed, WasiNames.FdSeek);
        if (errno != Errno.Success) return errno;
        if (whence > (uint)Whence.End) return Errno.Inval;
        CheckOut(memory, newoffsetPtr, 8, 8);
        errno = file.Seek(offset, (Whence)whence, out var position);
        if (errno != Errno.Success) return errno;
        memory.WriteU64(newoffsetPtr, position);
        return Errno.Success;
    }

    /// <summary><c>fd_sync(fd)</c>: fsync. See docs.md#fd_sync.</summary>
    /// <returns>EBADF: not open. ENOTCAPABLE: no fd_sync right. EINVAL: a stream.</returns>
    public Errno FdSync(GuestMemory memory, int fd)
    {
        var errno = Descriptor(fd, Rights.FdSync, WasiNames.FdSync, out var file);
        return errno != Errno.Success ? errno : file.Sync();
    }

    /// <summary><c>fd_tell(fd, offset)</c>: the current position. See docs.md#fd_tell.</summary>
    /// <returns>EBADF: not open, or a directory. ENOTCAPABLE: no fd_tell right. ESPIPE: a stream. Traps on a bad offset pointer.</returns>
    public Errno FdTell(GuestMemory memory, int fd, uint offsetPtr)
    {
        var errno = Descriptor(fd, Rights.FdTell, WasiNames.FdTell, out var file);
        if (errno != Errno.Success) return errno;
        CheckOut(memory, offsetPtr, 8, 8);
        errno = file.Seek(0, Whence.Cur, out var position);
        if (errno != Errno.Success) return errno;
        memory.WriteU64(offsetPtr, position);
        return Errno.Success;
    }

    /// <summary>
    /// <c>fd_write(fd, iovs, iovs_len, nwritten)</c>: gather write at the current position (at the end with append).
    /// Host files count against <c>--max-disk-write</c>, stdout/stderr against <c>--max-output</c>. See docs.md#fd_write.
    /// </summary>
    /// <returns>
    /// EBADF: not open, or not writable (stdin, a directory). ENOTCAPABLE: no fd_write right. EPERM: read-only grant.
    /// EDQUOT: the disk quota is spent (a write that only partly fits is cut short: nwritten tells). EOVERFLOW: buffers
    /// over 4 GiB. Traps on a bad iovec or nwritten pointer.
    /// </returns>
    public Errno FdWrite(GuestMemory memory, int fd, uint iovs, uint iovsLen, uint nwrittenPtr)
    {
        var errno = MutableDescriptor(fd, Rights.FdWrite, WasiNames.FdWrite, out var file);
        if (errno != Errno.Success) return errno;
        errno = Vectored<WriteTransfer>(memory, file, iovs, iovsLen, 0, nwrittenPtr, out var moved);
        Context.Quotas.CountWritten(moved);
        return errno;
    }

    /// <summary>
    /// One step of a vectored transfer: moves bytes between a buffer and the descriptor. A struct type parameter rather
    /// than a delegate, so each of the four calls gets its own copy of <see cref="Vectored{T}"/> with the step inlined
    /// (a delegate call per write is one more indirect jump on a path whose every instruction counts after a syscall).
    /// </summary>
    private interface ITransfer
    {
        static abstract Errno Move(WasiFd file, Span<byte> buffer, ulong offset, out int n);
    }

    private readonly struct ReadTransfer : ITransfer
    {
        public static Errno Move(WasiFd file, Span<byte> buffer, ulong offset, out int n) => file.Read(buffer, out n);
    }

    private readonly struct WriteTransfer : ITransfer
    {
        public static Errno Move(WasiFd file, Span<byte> buffer, ulong offset, out int n) => file.Write(buffer, out n);
    }

    private readonly struct PreadTransfer : ITransfer
    {
        public static Errno Move(WasiFd file, Span<byte> buffer, ulong offset, out int n) => file.Pread(buffer, offset, out n);
    }

    private readonly struct PwriteTransfer : ITransfer
    {
        public static Errno Move(WasiFd file, Span<byte> buffer, ulong offset, out int n) => file.Pwrite(buffer, offset, out n);
    }

    /// <summary>
    /// The loop shared by fd_read, fd_write, fd_pread and fd_pwrite: checks the iovec array and the out-pointer before
    /// anything moves, then transfers buffer by buffer, stopping at the first short transfer (so a stream is never asked
    /// twice while the guest waits). An error after some bytes moved reports those bytes instead, as POSIX readv/writev do.
    /// <paramref name="offset"/> advances with the bytes moved (used by the positional calls only).
    /// </summary>
    /// <exception cref="OperationCanceledException">The deadline passed between two pieces of a regular file's transfer.</exception>
    /// <param name="moved">The bytes transferred (0 on an error), for the host's read and write counters.</param>
    private static Errno Vectored<TTransfer>(GuestMemory memory, WasiFd file, uint iovs, uint iovsLen, ulong offset, uint countPtr, out uint moved)
        where TTransfer : struct, ITransfer
    {
        moved = 0;
        var errno = CheckIovecs(memory, iovs, iovsLen);
        if (errno != Errno.Success) return errno;
        CheckOut(memory, countPtr, 4, 4);
        uint total = 0;
        // Why pieces for a regular file: a transfer of up to 4 GiB takes seconds, and the deadline must reach the guest
        // between two of them (Fs/Blocking). A stream is left whole: asked again after a full piece, it could wait.
        var piece = file.Filetype == Filetype.RegularFile ? Blocking.ChunkBytes : int.MaxValue;
        var done = false;
        var asked = false;
        for (uint i = 0; i < iovsLen && !done; i++)
        {
            var buffer = Iovec(memory, iovs, i);
            for (var at = 0; at < buffer.Length;)
            {
                if (at > 0 || total > 0) file.Interrupt.ThrowIfCancellationRequested();
                var part = buffer.Slice(at, Math.Min(piece, buffer.Length - at));
                errno = TTransfer.Move(file, part, offset + total, out var n);
                asked = true;
                if (errno != Errno.Success)
                {
                    if (total == 0) return errno;
                    done = true;
                    break;
                }
                total += (uint)n;
                at += n;
                if (n < part.Length)
                {
                    done = true;
                    break;
                }
            }
        }
        // Every buffer empty: the descriptor is still asked once, with nothing, so a kind that cannot do the transfer
        // says so (EBADF for a write to stdin), as Wasmtime answers; one that can moves zero bytes.
        if (!asked)
        {
            errno = TTransfer.Move(file, Span<byte>.Empty, offset, out _);
            if (errno != Errno.Success) return errno;
        }
        memory.WriteU32(countPtr, total);
        moved = total;
        return Errno.Success;
    }

    /// <summary>
    /// The open descriptor <paramref name="fd"/>, if it has every right in <paramref name="needed"/>; or, when its kind
    /// can never do the call (<see cref="KindCannot"/>), the descriptor unchecked, so its kind gives the answer.
    /// </summary>
    private Errno Descriptor(int fd, Rights needed, string call, out WasiFd file)
    {
        file = Context.Fds.Get(fd)!;
        if (file is null) return Errno.Badf;
        return KindCannot(file, needed) ? Errno.Success : RefuseIfMissing(file, needed, call);
    }

    /// <summary>
    /// The call needs a right this kind of descriptor never has (a seek on stdout, a sync on a directory): it is not a
    /// policy question, so no ENOTCAPABLE and nothing in the audit. The caller goes on to the descriptor's own method,
    /// which answers as Wasmtime does for that kind (EBADF, ESPIPE, a zeroed stat for stdio's fstat).
    /// </summary>
    private static bool KindCannot(WasiFd file, Rights needed) => (needed & ~file.KindRights) != 0;

    /// <summary>
    /// Like <see cref="Descriptor"/> for a call that changes the file: a descriptor from a read-only grant is refused
    /// first (EPERM), so the audit names the grant rather than the write right such a descriptor never gets.
    /// </summary>
    private Errno MutableDescriptor(int fd, Rights needed, string call, out WasiFd file)
    {
        file = Context.Fds.Get(fd)!;
        if (file is null) return Errno.Badf;
        if (KindCannot(file, needed)) return Errno.Success;
        var errno = RefuseIfReadOnly(file, call);
        return errno != Errno.Success ? errno : RefuseIfMissing(file, needed, call);
    }

    /// <summary>
    /// Checks an iovec array and every buffer it names (traps when any is outside memory), before any I/O.
    /// </summary>
    /// <returns>EOVERFLOW when the lengths add up to more than a u32 size can report.</returns>
    private static Errno CheckIovecs(GuestMemory memory, uint iovs, uint iovsLen)
    {
        if (iovs % 4 != 0) throw WasiTrap.Misaligned(iovs, 4);
        // Why 64 bits: in 32, iovs_len = 2^29 makes the array 0 bytes long, and a 4 GiB memory would then let the
        // loop in Vectored read 2^29 entries wrapping around the address space instead of trapping. (A 4 GiB array,
        // which could only be a whole 4 GiB memory, traps too: no host span is that long.)
        var arrayBytes = (ulong)iovsLen * IovecSize;
        if (arrayBytes > uint.MaxValue || iovs + arrayBytes > memory.Length)
            throw WasiTrap.OutOfBounds(iovs, (uint)Math.Min(arrayBytes, uint.MaxValue), memory.Length);
        var array = memory.Slice(iovs, (uint)arrayBytes);
        ulong total = 0;
        for (var i = 0; i < array.Length; i += (int)IovecSize)
        {
            var ptr = BinaryPrimitives.ReadUInt32LittleEndian(array[i..]);
            var len = BinaryPrimitives.ReadUInt32LittleEndian(array[(i + 4)..]);
            memory.Slice(ptr, len);
            total += len;
        }
        return total > uint.MaxValue ? Errno.Overflow : Errno.Success;
    }

    /// <summary>The buffer of iovec number <paramref name="index"/> (already checked by <see cref="CheckIovecs"/>).</summary>
    private static Span<byte> Iovec(GuestMemory memory, uint iovs, uint index)
    {
        // Cannot wrap: CheckIovecs found the whole array inside the memory.
        var entry = iovs + index * IovecSize;
        return memory.Slice(memory.ReadU32(entry), memory.ReadU32(entry + 4));
    }

    /// <summary>Traps now, before the host changes anything, when an out-parameter is out of bounds or misaligned.</summary>
    private static void CheckOut(GuestMemory memory, uint ptr, uint size, uint alignment)
    {
        if (ptr % alignment != 0) throw WasiTrap.Misaligned(ptr, alignment);
        memory.Slice(ptr, size);
    }
}
