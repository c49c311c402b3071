using Microsoft.Win32.SafeHandles;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs;
using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.State;

/// <summary>
/// A host file (or device) the guest opened with path_open beneath one of its directories.
/// </summary>
/// <remarks>
/// <para>Owns the host descriptor. What it makes the host store counts against <c>--max-disk-write</c>, measured in
/// allocated blocks (<see cref="DiskCharge"/>). A write is cut to the bytes the quota still has room for (a short
/// write, as POSIX write(2) does at a quota), and once nothing is left it fails with <see cref="Errno.Dquot"/>.
/// fd_allocate is all or nothing on its length (the most it can allocate), fd_filestat_set_size on the size growth:
/// beyond what is left they are refused with EDQUOT, count the limit as hit, and spend and change nothing.</para>
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

    public override Rights KindRights => FileRights.RegularFileBase;

    public override bool Pollable(bool write) => true;

    /// <summary>
    /// Changes append and nonblock (what Linux lets F_SETFL change on an open file).
    /// </summary>
    /// <returns>
    /// <see cref="Errno.Inval"/> when dsync, rsync or sync is among <paramref name="flags"/>: Linux cannot change them
    /// after open, and Wasmtime refuses them so (wasi-libc's fcntl(F_SETFL) never passes them).
    /// </returns>
    public override Errno SetFlags(Fdflags flags)
    {
        if ((flags & (Fdflags.Dsync | Fdflags.Rsync | Fdflags.Sync)) != 0) return Errno.Inval;
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
        var errno = StartWrite(data.Length, out var allowed, out var charge);
        if (errno != Errno.Success) return errno;
        while (true)
        {
            nint n;
            fixed (byte* p = data) n = Sys.Write(Handle, p, (nuint)allowed);
            if (!MustWait(n)) return Charged(n, allowed, data.Length, charge, out written);
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
        var errno = StartWrite(data.Length, out var allowed, out var charge);
        if (errno != Errno.Success) return errno;
        nint n;
        fixed (byte* p = data) n = Sys.Pwrite(Handle, p, (nuint)allowed, (long)offset);
        return Charged(n, allowed, data.Length, charge, out written);
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
        // Why the whole length, even where the file already has blocks: it is the most the call can allocate, and the
        // cost is only known afterwards. Checking the size growth alone let a 1-byte write at N-1 make fallocate(0, N) free.
        if (!_quotas.HasDiskRoom((long)length)) return Errno.Dquot;
        var errno = DiskCharge.Measure(_quotas, Handle, out var charge);
        if (errno != Errno.Success) return errno;
        // posix_fallocate returns its error; charged even on failure, as a failed fallocate may keep what it allocated.
        errno = ErrnoMapping.ToWasi((HostErrno)Sys.PosixFallocate(Handle, (long)offset, (long)length));
        charge.ChargeResize();
        return errno;
    }

    public override Errno FilestatGet(out Filestat stat) => FileStatus.Of(Handle, out stat);

    public override Errno FilestatSetSize(ulong size)
    {
        if (size > long.MaxValue) return Errno.Inval;
        var errno = DiskCharge.Measure(_quotas, Handle, out var charge);
        if (errno != Errno.Success) return errno;
        if (!_quotas.HasDiskRoom(charge.SizeGrowthTo((long)size))) return Errno.Dquot;
        errno = Sys.Ftruncate(Handle, (long)size) == 0 ? Errno.Success : ErrnoMapping.LastError();
        charge.ChargeResize();
        return errno;
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

    /// <summary>
    /// Before a write of <paramref name="wanted"/> bytes: how many the quota has room for, and the file measured.
    /// EDQUOT (the limit marked hit) when there is room for none.
    /// </summary>
    private Errno StartWrite(int wanted, out int allowed, out DiskCharge charge)
    {
        charge = default;
        allowed = (int)_quotas.DiskRoom(wanted);
        if (allowed == 0 && wanted > 0)
        {
            _quotas.MarkDiskLimitHit();
            return Errno.Dquot;
        }
        return DiskCharge.Measure(_quotas, Handle, out charge);
    }

    /// <summary>Charges what the write stored; records the limit as hit when the quota cut the write short.</summary>
    private Errno Charged(nint n, int allowed, int wanted, DiskCharge charge, out int written)
    {
        // Why read the errno first: the statx of the charge would overwrite it.
        var errno = n < 0 ? ErrnoMapping.LastError() : Errno.Success;
        written = n < 0 ? 0 : (int)n;
        charge.ChargeWrite(written);
        if (allowed < wanted && n == allowed) _quotas.MarkDiskLimitHit();
        return errno;
    }

    private static Errno Result(nint n, out int count)
    {
        count = n < 0 ? 0 : (int)n;
        return n < 0 ? ErrnoMapping.LastError() : Errno.Success;
    }
}
