using Microsoft.Win32.SafeHandles;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs;
using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.State;

/// <summary>
/// A host file (or device) the guest opened with path_open beneath one of its directories.
/// </summary>
/// <remarks>
/// <para>Owns the host descriptor. Bytes written through it count against <c>--max-disk-write</c>: a write is cut to
/// what the quota still allows (a short write, as POSIX write(2) does at a quota), and once nothing is left it fails
/// with <see cref="Errno.Dquot"/>. Growth by fd_allocate or fd_filestat_set_size counts too, all or nothing: growth
/// beyond what is left is refused with EDQUOT, counts the limit as hit, and spends nothing.</para>
/// <para>Read-only files (from read-only grants) are refused by the host calls before they get here; the host
/// descriptor is also opened O_RDONLY then, so the kernel would refuse as well.</para>
/// <para>A special file (a FIFO or a device, opened only with <see cref="WasiOptions.AllowSpecialFiles"/>) keeps its host
/// descriptor O_NONBLOCK whatever the guest asked, so no host call can block in the kernel; a guest that did not ask
/// for nonblock still sees blocking reads and writes, which wait in <see cref="Blocking.WaitReady"/> and so end at the
/// deadline.</para>
/// </remarks>
public sealed class HostFileFd : WasiFd
{
    private readonly Quotas _quotas;
    private Fdflags _flags;

    internal HostFileFd(SafeFileHandle handle, Filetype filetype, Fdflags flags, bool readOnly, Quotas quotas, Rights rightsBase, Rights rightsInheriting)
    {
        Handle = handle;
        Filetype = filetype;
        _flags = flags;
        ReadOnly = readOnly;
        _quotas = quotas;
        RightsBase = rightsBase;
        RightsInheriting = rightsInheriting;
        _special = filetype != Filetype.RegularFile;
    }

    /// <summary>Not a regular file: the host descriptor stays O_NONBLOCK and blocking is emulated (see the remarks).</summary>
    private readonly bool _special;

    private const int EAGAIN = 11;

    public SafeFileHandle Handle { get; }

    public override Filetype Filetype { get; }

    public override bool ReadOnly { get; }

    public override Fdflags Flags => _flags;

    /// <summary>
    /// Changes append and nonblock (what Linux lets F_SETFL change on an open file).
    /// </summary>
    /// <returns><see cref="Errno.Notsup"/> for dsync, rsync or sync, which Linux cannot change after open.</returns>
    public override Errno SetFlags(Fdflags flags)
    {
        if ((flags & (Fdflags.Dsync | Fdflags.Rsync | Fdflags.Sync)) != (_flags & (Fdflags.Dsync | Fdflags.Rsync | Fdflags.Sync)))
            return Errno.Notsup;
        var current = Sys.Fcntl(Handle, Sys.F_GETFL, 0);
        if (current < 0) return ErrnoMapping.LastError();
        var wanted = (current & ~(Sys.O_APPEND | Sys.O_NONBLOCK))
            | (flags.HasFlag(Fdflags.Append) ? Sys.O_APPEND : 0)
            | (flags.HasFlag(Fdflags.Nonblock) || _special ? Sys.O_NONBLOCK : 0);
        if (Sys.Fcntl(Handle, Sys.F_SETFL, wanted) < 0) return ErrnoMapping.LastError();
        _flags = flags;
        return Errno.Success;
    }

    public override unsafe Errno Read(Span<byte> buffer, out int read)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = buffer) n = Sys.Read(Handle, p, (nuint)buffer.Length);
            if (!MustWait(n)) return Result(n, out read);
            Blocking.WaitReady(Handle, Net.Interop.Sys.POLLIN, Interrupt);
        }
    }

    public override unsafe Errno Pread(Span<byte> buffer, ulong offset, out int read)
    {
        read = 0;
        if (offset > long.MaxValue) return Errno.Inval;
        nint n;
        fixed (byte* p = buffer) n = Sys.Pread(Handle, p, (nuint)buffer.Length, (long)offset);
        return Result(n, out read);
    }

    public override unsafe Errno Write(ReadOnlySpan<byte> data, out int written)
    {
        written = 0;
        var allowed = DiskAllowance(data.Length);
        if (allowed == 0 && data.Length > 0) return RefuseDisk();
        while (true)
        {
            nint n;
            fixed (byte* p = data) n = Sys.Write(Handle, p, (nuint)allowed);
            if (!MustWait(n)) return Charged(n, allowed, data.Length, out written);
            Blocking.WaitReady(Handle, Net.Interop.Sys.POLLOUT, Interrupt);
        }
    }

    /// <summary>
    /// Whether a read or write that returned <paramref name="n"/> found a special file not ready while the guest wants
    /// blocking behaviour: then the caller waits and tries again. Must be called right after the host call (it reads errno).
    /// </summary>
    private bool MustWait(nint n) =>
        n < 0 && _special && !_flags.HasFlag(Fdflags.Nonblock) && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == EAGAIN;

    public override unsafe Errno Pwrite(ReadOnlySpan<byte> data, ulong offset, out int written)
    {
        written = 0;
        if (offset > long.MaxValue) return Errno.Inval;
        var allowed = DiskAllowance(data.Length);
        if (allowed == 0 && data.Length > 0) return RefuseDisk();
        nint n;
        fixed (byte* p = data) n = Sys.Pwrite(Handle, p, (nuint)allowed, (long)offset);
        return Charged(n, allowed, data.Length, out written);
    }

    public override Errno Seek(long offset, Whence whence, out ulong newOffset)
    {
        newOffset = 0;
        var hostWhence = whence switch
        {
            Whence.Set => Sys.SEEK_SET,
            Whence.Cur => Sys.SEEK_CUR,
            Whence.End => Sys.SEEK_END,
        };
        var result = Sys.Lseek(Handle, offset, hostWhence);
        if (result < 0) return ErrnoMapping.LastError();
        newOffset = (ulong)result;
        return Errno.Success;
    }

    public override Errno Sync() => Sys.Fsync(Handle) == 0 ? Errno.Success : ErrnoMapping.LastError();

    public override Errno Datasync() => Sys.Fdatasync(Handle) == 0 ? Errno.Success : ErrnoMapping.LastError();

    public override Errno Advise(ulong offset, ulong length, Advice advice)
    {
        if (offset > long.MaxValue || length > long.MaxValue) return Errno.Inval;
        var hostAdvice = advice switch
        {
            Advice.Normal => Sys.POSIX_FADV_NORMAL,
            Advice.Sequential => Sys.POSIX_FADV_SEQUENTIAL,
            Advice.Random => Sys.POSIX_FADV_RANDOM,
            Advice.Willneed => Sys.POSIX_FADV_WILLNEED,
            Advice.Dontneed => Sys.POSIX_FADV_DONTNEED,
            Advice.Noreuse => Sys.POSIX_FADV_NOREUSE,
        };
        return ErrnoMapping.ToWasi((HostErrno)Sys.PosixFadvise(Handle, (long)offset, (long)length, hostAdvice));
    }

    public override Errno Allocate(ulong offset, ulong length)
    {
        if (offset > long.MaxValue || length > long.MaxValue) return Errno.Inval;
        if (length == 0) return Errno.Inval;
        if (offset + length > long.MaxValue) return Errno.Fbig;
        var errno = ChargeGrowth(offset + length);
        if (errno != Errno.Success) return errno;
        return ErrnoMapping.ToWasi((HostErrno)Sys.PosixFallocate(Handle, (long)offset, (long)length));
    }

    public override Errno FilestatGet(out Filestat stat) => FileStatus.Of(Handle, out stat);

    public override Errno FilestatSetSize(ulong size)
    {
        if (size > long.MaxValue) return Errno.Inval;
        var errno = ChargeGrowth(size);
        if (errno != Errno.Success) return errno;
        return Sys.Ftruncate(Handle, (long)size) == 0 ? Errno.Success : ErrnoMapping.LastError();
    }

    public override unsafe Errno FilestatSetTimes(ulong atim, ulong mtim, Fstflags flags)
    {
        var times = stackalloc Sys.Timespec[2];
        var errno = Timestamps.ToTimespecs(atim, mtim, (uint)flags, new Span<Sys.Timespec>(times, 2));
        if (errno != Errno.Success) return errno;
        return Sys.Futimens(Handle, times) == 0 ? Errno.Success : ErrnoMapping.LastError();
    }

    /// <summary>A regular file never blocks a read; the bytes available are those after the current offset.</summary>
    public override bool? ReadReady(out ulong bytesAvailable)
    {
        bytesAvailable = 0;
        if (Filetype != Filetype.RegularFile) return null;
        var position = Sys.Lseek(Handle, 0, Sys.SEEK_CUR);
        if (position >= 0 && FileStatus.Of(Handle, out var stat) == Errno.Success && stat.Size > (ulong)position)
            bytesAvailable = stat.Size - (ulong)position;
        return true;
    }

    public override void Dispose() => Handle.Dispose();

    private Errno RefuseDisk()
    {
        _quotas.MarkDiskLimitHit();
        return Errno.Dquot;
    }

    /// <summary>How many of <paramref name="wanted"/> bytes the disk quota still allows (without taking them yet).</summary>
    private int DiskAllowance(int wanted) =>
        _quotas.MaxDiskWriteBytes is { } max ? (int)Math.Clamp(max - _quotas.DiskWritten, 0, wanted) : wanted;

    /// <summary>Counts the bytes the host wrote; records the limit as hit when the quota cut the write short.</summary>
    private Errno Charged(nint n, int allowed, int wanted, out int written)
    {
        written = 0;
        if (n < 0) return ErrnoMapping.LastError();
        written = (int)n;
        _quotas.TakeDisk(n);
        // Takes nothing more (the quota is spent) but records that the guest wanted past it.
        if (allowed < wanted && n == allowed) _quotas.TakeDisk(wanted - allowed);
        return Errno.Success;
    }

    /// <summary>Charges the growth of the file to <paramref name="newEnd"/> bytes against the disk quota, all or nothing.</summary>
    private Errno ChargeGrowth(ulong newEnd)
    {
        if (_quotas.MaxDiskWriteBytes is null) return Errno.Success;
        var errno = FileStatus.Of(Handle, out var stat);
        if (errno != Errno.Success) return errno;
        if (newEnd <= stat.Size) return Errno.Success;
        var growth = (long)(newEnd - stat.Size);
        return _quotas.TryTakeDisk(growth) ? Errno.Success : Errno.Dquot;
    }

    private static Errno Result(nint n, out int count)
    {
        count = n < 0 ? 0 : (int)n;
        return n < 0 ? ErrnoMapping.LastError() : Errno.Success;
    }
}
