using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.State;

// Operations every kind of descriptor may support: reading, writing, status. Each default is Wasmtime's answer for a
// descriptor whose kind cannot do the operation (EBADF; streams override seek and the positional calls with ESPIPE),
// because real programs are tested on Wasmtime and some tell "not supported here" from "failed" by that errno.
public abstract partial class WasiFd
{
    /// <summary>
    /// Every right this kind of descriptor could ever use. A call needing a right outside it is answered by the kind
    /// itself (the virtual below: EBADF, ESPIPE, a zeroed stat…), never refused as ENOTCAPABLE: that answer is kept for a
    /// right the kind has but this descriptor was opened without or dropped (docs/wasi-deviations.md).
    /// </summary>
    public abstract Rights KindRights { get; }

    /// <summary>Rights this descriptor has (fd_fdstat_get's fs_rights_base). fd_fdstat_set_rights may only drop rights.</summary>
    public Rights RightsBase { get; set; } = Rights.All;

    /// <summary>Rights given to descriptors opened through this one (fs_rights_inheriting).</summary>
    public Rights RightsInheriting { get; set; } = Rights.All;

    /// <summary>The fd flags reported back by fd_fdstat_get (append, nonblock, …).</summary>
    public virtual Fdflags Flags => Fdflags.None;

    public virtual Errno SetFlags(Fdflags flags) => Errno.Badf;

    /// <summary>Reads into <paramref name="buffer"/>; 0 bytes read means end of file.</summary>
    public virtual Errno Read(Span<byte> buffer, out int read) { read = 0; return Errno.Badf; }

    public virtual Errno Write(ReadOnlySpan<byte> data, out int written) { written = 0; return Errno.Badf; }

    public virtual Errno Pread(Span<byte> buffer, ulong offset, out int read) { read = 0; return Errno.Badf; }

    public virtual Errno Pwrite(ReadOnlySpan<byte> data, ulong offset, out int written) { written = 0; return Errno.Badf; }

    public virtual Errno Seek(long offset, Whence whence, out ulong newOffset) { newOffset = 0; return Errno.Badf; }

    public virtual Errno Sync() => Errno.Badf;

    public virtual Errno Datasync() => Errno.Badf;

    public virtual Errno Advise(ulong offset, ulong length, Advice advice) => Errno.Badf;

    public virtual Errno Allocate(ulong offset, ulong length) => Errno.Badf;

    public virtual Errno FilestatGet(out Filestat stat)
    {
        stat = new Filestat(0, 0, Filetype, 1, 0, 0, 0, 0);
        return Errno.Success;
    }

    public virtual Errno FilestatSetSize(ulong size) => Errno.Badf;

    public virtual Errno FilestatSetTimes(ulong atim, ulong mtim, Fstflags flags) => Errno.Badf;

    /// <summary>
    /// Whether poll_oneoff may wait on this descriptor for reading (<paramref name="write"/> false) or writing. When it
    /// may not (a directory; stdin for writing; stdout for reading), the whole poll_oneoff call is EBADF, as in Wasmtime.
    /// </summary>
    public virtual bool Pollable(bool write) => false;

    /// <summary>Whether a read would not block now (poll_oneoff's fd_read subscription). Null: cannot tell, treat as ready.</summary>
    public virtual bool? ReadReady(out ulong bytesAvailable) { bytesAvailable = 0; return null; }

    /// <summary>Whether a write would not block now; null when this kind cannot tell (it counts as ready). Sockets tell, so a guest can wait for a nonblocking connect.</summary>
    public virtual bool? WriteReady() => null;
}
