using Microsoft.Win32.SafeHandles;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.Fs;

/// <summary>
/// Measures what one host call makes the file system store and charges it to <c>--max-disk-write</c>
/// (<see cref="Quotas"/>). The one place that decides what a call costs.
/// </summary>
/// <remarks>
/// <para>Overview. The quota counts bytes the guest made the host store over the run, so it follows allocated blocks
/// (statx <c>stx_blocks × 512</c>), not the logical size: a 1-byte write at offset 1 GiB stores a whole block, and
/// fd_allocate over a range the size already covers still reserves every block of it. Constraints: the host call
/// itself decides how many blocks it takes, so the cost is only known afterwards; and a quota-less run must not pay
/// for measuring. Scheme: before the call, a pre-check made by the caller bounds what the call can take (a write is
/// cut to the room left, fd_allocate's length must fit, a new entry needs <see cref="EntryCost"/>); <see cref="Measure"/>
/// stats the object that will grow; after the call one of the <c>Charge…</c> methods stats it again and charges</para>
/// <list type="bullet">
/// <item>fd_write/fd_pwrite: max(bytes written, growth of the file's allocated bytes);</item>
/// <item>fd_allocate/fd_filestat_set_size: max(growth of the size, growth of the allocated bytes);</item>
/// <item>a new file, directory or symlink: max(<see cref="EntryCost"/>, its allocated bytes + growth of its parent directory);</item>
/// <item>a new hard link: max(<see cref="EntryCost"/>, growth of its parent directory) (the file's blocks were charged when written);</item>
/// <item>a rename: the growth of the target's directory.</item>
/// </list>
/// <para>Nothing is refunded. As the cost is measured after the call, the count may pass the quota by one call's
/// block rounding and file-system metadata; from then on every charged call is refused. Metadata a file system
/// allocates later (ext4 extent blocks at writeback, XFS speculative preallocation) is not seen; the jail's
/// RLIMIT_FSIZE stays the backstop for size. See docs/SECURITY.md, "What counts against --max-disk-write".</para>
/// <para>Without a quota every method returns at once: no statx is made.</para>
/// </remarks>
internal readonly struct DiskCharge
{
    /// <summary>
    /// The least a new directory entry costs. Why 256: the size of an ext4 inode, and about one directory entry with a
    /// 255-byte name; an empty file or a short symlink has no blocks of its own, yet a guest must not be able to make
    /// millions of them under a small quota.
    /// </summary>
    public const long EntryCost = 256;

    private readonly Quotas? _quotas;
    private readonly SafeFileHandle? _measured;
    private readonly long _sizeBefore, _allocatedBefore;

    private DiskCharge(Quotas quotas, SafeFileHandle measured, long sizeBefore, long allocatedBefore)
    {
        _quotas = quotas;
        _measured = measured;
        _sizeBefore = sizeBefore;
        _allocatedBefore = allocatedBefore;
    }

    /// <summary>
    /// Stats <paramref name="measured"/> (the file a call changes, or the directory an entry goes into) before the host
    /// call. Without a quota nothing is measured and every charge does nothing.
    /// </summary>
    /// <returns>The statx errno (the caller makes no host call then: fail closed).</returns>
    public static Errno Measure(Quotas quotas, SafeFileHandle measured, out DiskCharge charge)
    {
        charge = default;
        if (!quotas.LimitsDisk) return Errno.Success;
        var errno = Stat(measured, "", Sys.AT_EMPTY_PATH, out var size, out var allocated);
        if (errno != Errno.Success) return errno;
        charge = new DiskCharge(quotas, measured, size, allocated);
        return Errno.Success;
    }

    /// <summary>How far the logical size would grow to reach <paramref name="end"/> (0 without a quota: not measured).</summary>
    public long SizeGrowthTo(long end) => _quotas is null ? 0 : Math.Max(0, end - _sizeBefore);

    /// <summary>After fd_write/fd_pwrite: max(<paramref name="written"/>, growth of the allocated bytes).</summary>
    public void ChargeWrite(long written)
    {
        if (_quotas is null) return;
        _quotas.ChargeDisk(Math.Max(written, GrowthSinceMeasure(out _)));
    }

    /// <summary>After fd_allocate/fd_filestat_set_size: max(growth of the size, growth of the allocated bytes).</summary>
    public void ChargeResize()
    {
        if (_quotas is null) return;
        var allocatedGrowth = GrowthSinceMeasure(out var sizeGrowth);
        _quotas.ChargeDisk(Math.Max(sizeGrowth, allocatedGrowth));
    }

    /// <summary>After a rename into the measured directory: the growth of its allocated bytes.</summary>
    public void ChargeGrowth() => ChargeWrite(0);

    /// <summary>After creating <paramref name="name"/> in the measured directory <paramref name="dir"/> (mkdir, symlink).</summary>
    public void ChargeNewEntry(SafeFileHandle dir, string name)
    {
        if (_quotas is null) return;
        // Why charge even when the stat fails: the entry exists, so it costs at least EntryCost.
        var entry = Stat(dir, name, Sys.AT_SYMLINK_NOFOLLOW, out _, out var allocated) == Errno.Success ? allocated : 0;
        _quotas.ChargeDisk(Math.Max(EntryCost, entry + GrowthSinceMeasure(out _)));
    }

    /// <summary>After path_open created the file <paramref name="entry"/> in the measured directory.</summary>
    public void ChargeNewEntry(SafeFileHandle entry)
    {
        if (_quotas is null) return;
        var file = Stat(entry, "", Sys.AT_EMPTY_PATH, out _, out var allocated) == Errno.Success ? allocated : 0;
        _quotas.ChargeDisk(Math.Max(EntryCost, file + GrowthSinceMeasure(out _)));
    }

    /// <summary>After a hard link into the measured directory: its blocks belong to a file already charged.</summary>
    public void ChargeNewLink()
    {
        if (_quotas is null) return;
        _quotas.ChargeDisk(Math.Max(EntryCost, GrowthSinceMeasure(out _)));
    }

    /// <summary>
    /// Growth of the measured object's allocated bytes (and, in <paramref name="sizeGrowth"/>, of its size) since
    /// <see cref="Measure"/>; 0 for a shrink. A stat that fails now (the host call has already happened) counts as no growth.
    /// </summary>
    private long GrowthSinceMeasure(out long sizeGrowth)
    {
        sizeGrowth = 0;
        if (Stat(_measured!, "", Sys.AT_EMPTY_PATH, out var size, out var allocated) != Errno.Success) return 0;
        sizeGrowth = Math.Max(0, size - _sizeBefore);
        return Math.Max(0, allocated - _allocatedBefore);
    }

    private static unsafe Errno Stat(SafeFileHandle dir, string name, int flags, out long size, out long allocated)
    {
        Sys.StatxBuf buf;
        size = allocated = 0;
        if (Sys.Statx(dir, name, flags, Sys.STATX_SIZE | Sys.STATX_BLOCKS, &buf) != 0) return ErrnoMapping.LastError();
        // Why clamp: both fit a long on any real file; a corrupt value must not turn a charge negative.
        size = (long)Math.Min(buf.Size, long.MaxValue);
        allocated = (long)Math.Min(buf.Blocks, long.MaxValue / 512) * 512;
        return Errno.Success;
    }
}
