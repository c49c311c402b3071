using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.State;

// Operations every kind of descriptor may support: reading, writing, status. Defaults follow the spec's errno for a
// descriptor that cannot do the operation.
public abstract partial class WasiFd
{
    /// <summary>Rights this descriptor has (fd_fdstat_get's fs_rights_base). fd_fdstat_set_rights may only drop rights.</summary>
    public Rights RightsBase { get; set; } = Rights.All;

    /// <summary>Rights given to descriptors opened through this one (fs_rights_inheriting).</summary>
    public Rights RightsInheriting { get; set; } = Rights.All;

    /// <summary>The fd flags reported back by fd_fdstat_get (append, nonblock, …).</summary>
    public virtual Fdflags Flags => Fdflags.None;

    public virtual Errno SetFlags(Fdflags flags) => Errno.Notsup;

    /// <summary>Reads into <paramref name="buffer"/>; 0 bytes read means end of file.</summary>
    public virtual Errno Read(Span<byte> buffer, out int read) { read = 0; return Errno.Badf; }

    public virtual Errno Write(ReadOnlySpan<byte> data, out int written) { written = 0; return Errno.Badf; }

    public virtual Errno Pread(Span<byte> buffer, ulong offset, out int read) { read = 0; return Errno.Spipe; }

    public virtual Errno Pwrite(ReadOnlySpan<byte> data, ulong offset, out int written) { written = 0; return Errno.Spipe; }

    public virtual Errno Seek(long offset, Whence whence, out ulong newOffset) { newOffset = 0; return Errno.Spipe; }

    public virtual Errno Sync() => Errno.Inval;

    public virtual Errno Datasync() => Errno.Inval;

    public virtual Errno Advise(ulong offset, ulong length, Advice advice) => Errno.Spipe;

    public virtual Errno Allocate(ulong offset, ulong length) => Errno.Spipe;

    public virtual Errno FilestatGet(out Filestat stat)
    {
        stat = new Filestat(0, 0, Filetype, 1, 0, 0, 0, 0);
        return Errno.Success;
    }

    public virtual Errno FilestatSetSize(ulong size) => Errno.Inval;

    public virtual Errno FilestatSetTimes(ulong atim, ulong mtim, Fstflags flags) => Errno.Inval;

    /// <summary>Whether a read would not block now (poll_oneoff's fd_read subscription). Null: cannot tell, treat as ready.</summary>
    public virtual bool? ReadReady(out ulong bytesAvailable) { bytesAvailable = 0; return null; }
}
