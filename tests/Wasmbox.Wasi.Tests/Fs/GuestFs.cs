using System.Text;
using Wasmbox.Core.Policy;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs;

namespace Wasmbox.Wasi.Tests.Fs;

/// <summary>
/// A <see cref="HostFixture"/> with <see cref="TempTree.Grant"/> preopened as fd 3 ("/sandbox") and, optionally,
/// <see cref="TempTree.ReadOnlyGrant"/> as fd 4 ("/ro", read-only), plus helpers that put arguments into guest memory
/// and call the host the way a guest would.
/// </summary>
public sealed class GuestFs : IDisposable
{
    public const int Grant = 3, ReadOnly = 4;

    /// <summary>Where helpers put their arguments: two path slots, out-parameters, iovecs, buffers.</summary>
    public const uint PathA = 0x100, PathB = 0x600, OutFd = 0x1000, Out64 = 0x1008, Iovs = 0x2000, Buffer = 0x4000;

    /// <summary>Rights wasi-libc asks for with O_RDWR: everything.</summary>
    public const Rights ReadWrite = Rights.All;

    public const Rights ReadOnlyRights = Rights.All & ~(Rights.FdWrite | Rights.FdDatasync | Rights.FdAllocate | Rights.FdFilestatSetSize);

    public GuestFs(bool fallback = false, bool withReadOnly = false, long? maxDiskWrite = null, int? maxOpenFiles = null, bool allowSpecialFiles = false)
    {
        Tree = new TempTree();
        BeneathResolver.ForceFallback = fallback;
        var preopens = new List<DirGrant> { new(Tree.Grant, "/sandbox", false) };
        if (withReadOnly) preopens.Add(new DirGrant(Tree.ReadOnlyGrant, "/ro", true));
        Fixture = new HostFixture(new WasiOptions { Preopens = preopens, MaxDiskWriteBytes = maxDiskWrite, MaxOpenFiles = maxOpenFiles, AllowSpecialFiles = allowSpecialFiles });
    }

    public TempTree Tree { get; }
    public HostFixture Fixture { get; }
    public Wasmbox.Wasi.Host.WasiHost Host => Fixture.Host;

    public uint Put(uint ptr, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        Fixture.Put(ptr, bytes);
        return (uint)bytes.Length;
    }

    public Errno Open(string path, out int fd, Oflags oflags = Oflags.None, Rights rights = ReadWrite, Fdflags fdflags = Fdflags.None,
        Lookupflags lookup = Lookupflags.SymlinkFollow, int dir = Grant)
    {
        var len = Put(PathA, path);
        // A directory is opened as wasi-libc's open(O_DIRECTORY) opens one: without fd_write, which would be EISDIR.
        if (oflags.HasFlag(Oflags.Directory) && rights == ReadWrite) rights &= ~Rights.FdWrite;
        var errno = Host.PathOpen(Fixture.View, dir, (uint)lookup, PathA, len, (uint)oflags, (ulong)rights, (ulong)rights, (uint)fdflags, OutFd);
        fd = errno == Errno.Success ? (int)Fixture.U32(OutFd) : -1;
        return errno;
    }

    public Errno Write(int fd, string text)
    {
        var len = Put(Buffer, text);
        Fixture.PutU32(Iovs, Buffer);
        Fixture.PutU32(Iovs + 4, len);
        return Host.FdWrite(Fixture.View, fd, Iovs, 1, OutFd);
    }

    public Errno Pwrite(int fd, string text, ulong offset)
    {
        var len = Put(Buffer, text);
        Fixture.PutU32(Iovs, Buffer);
        Fixture.PutU32(Iovs + 4, len);
        return Host.FdPwrite(Fixture.View, fd, Iovs, 1, offset, OutFd);
    }

    public Errno Read(int fd, int max, out string text)
    {
        Fixture.PutU32(Iovs, Buffer);
        Fixture.PutU32(Iovs + 4, (uint)max);
        var errno = Host.FdRead(Fixture.View, fd, Iovs, 1, OutFd);
        text = errno == Errno.Success ? Encoding.UTF8.GetString(Fixture.Bytes(Buffer, (int)Fixture.U32(OutFd))) : "";
        return errno;
    }

    /// <summary>Calls a path_* function that takes (fd, path) with <paramref name="path"/> in guest memory.</summary>
    public Errno OnPath(Func<Wasmbox.Wasi.Memory.GuestMemory, int, uint, uint, Errno> call, string path, int dir = Grant)
    {
        var len = Put(PathA, path);
        return call(Fixture.View, dir, PathA, len);
    }

    public Errno Mkdir(string path, int dir = Grant) => OnPath(Host.PathCreateDirectory, path, dir);
    public Errno Unlink(string path, int dir = Grant) => OnPath(Host.PathUnlinkFile, path, dir);
    public Errno Rmdir(string path, int dir = Grant) => OnPath(Host.PathRemoveDirectory, path, dir);

    public Errno Rename(string from, string to, int fromDir = Grant, int toDir = Grant)
    {
        var a = Put(PathA, from);
        var b = Put(PathB, to);
        return Host.PathRename(Fixture.View, fromDir, PathA, a, toDir, PathB, b);
    }

    public Errno Link(string from, string to, Lookupflags flags = Lookupflags.None, int fromDir = Grant, int toDir = Grant)
    {
        var a = Put(PathA, from);
        var b = Put(PathB, to);
        return Host.PathLink(Fixture.View, fromDir, (uint)flags, PathA, a, toDir, PathB, b);
    }

    public Errno Symlink(string target, string linkPath, int dir = Grant)
    {
        var a = Put(PathA, target);
        var b = Put(PathB, linkPath);
        return Host.PathSymlink(Fixture.View, PathA, a, dir, PathB, b);
    }

    public Errno Stat(string path, Lookupflags flags = Lookupflags.SymlinkFollow, int dir = Grant)
    {
        var len = Put(PathA, path);
        return Host.PathFilestatGet(Fixture.View, dir, (uint)flags, PathA, len, Buffer);
    }

    /// <summary>Filetype byte of the filestat the last <see cref="Stat"/> wrote.</summary>
    public Filetype StatType => (Filetype)Fixture.Bytes(Buffer + 16, 1)[0];

    public Errno SetTimes(string path, ulong atim, ulong mtim, Fstflags fst, Lookupflags flags = Lookupflags.SymlinkFollow, int dir = Grant)
    {
        var len = Put(PathA, path);
        return Host.PathFilestatSetTimes(Fixture.View, dir, (uint)flags, PathA, len, atim, mtim, (uint)fst);
    }

    public Errno Readlink(string path, uint bufLen, out string target, int dir = Grant)
    {
        var len = Put(PathA, path);
        var errno = Host.PathReadlink(Fixture.View, dir, PathA, len, Buffer, bufLen, OutFd);
        target = errno == Errno.Success ? Encoding.UTF8.GetString(Fixture.Bytes(Buffer, (int)Fixture.U32(OutFd))) : "";
        return errno;
    }

    public void Dispose()
    {
        BeneathResolver.ForceFallback = false;
        Fixture.Dispose();
        Tree.Dispose();
    }
}
