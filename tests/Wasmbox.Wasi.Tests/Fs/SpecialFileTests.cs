using System.Diagnostics;
using System.Runtime.InteropServices;
using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Tests.Fs;

/// <summary>
/// Devices and FIFOs planted beneath a grant: refused by default (EACCES, as the jail's nodev mounts answer), and, when
/// <see cref="WasiOptions.AllowSpecialFiles"/> lets them through, opened without blocking and read under the deadline.
/// </summary>
[Collection(TimingCollection.Name)]
public class SpecialFileTests
{
    /// <summary>Generous for a loaded 2-core box; the unfixed calls would block for <see cref="Blocked"/> or for ever.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Blocked = TimeSpan.FromSeconds(10);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int mknod(string path, uint mode, ulong dev);

    private static void MakeFifo(string path) => Assert.Equal(0, mkfifo(path, 0x1B6));

    /// <summary>Runs a host call that must not block, failing (not hanging) the test if it does.</summary>
    private static T WithinSeconds<T>(Func<T> call)
    {
        var task = Task.Run(call);
        Assert.True(task.Wait(TimeSpan.FromSeconds(5)), "the call blocked");
        return task.Result;
    }

    [Fact]
    public void PathOpen_FifoInGrant_RefusedWithEaccesWithoutBlocking()
    {
        using var fs = new GuestFs();
        MakeFifo(fs.Tree.InGrant("fifo"));
        var before = fs.Fixture.Context.Fds.Count;

        var errno = WithinSeconds(() => fs.Open("fifo", out _, rights: Rights.FdRead));

        Assert.Equal(Errno.Acces, errno);
        Assert.Equal(before, fs.Fixture.Context.Fds.Count);
        Assert.Contains("device, FIFO or socket", fs.Host.TakeRefusal());
    }

    [Fact]
    public void PathOpen_FifoForWritingWithNoReader_RefusedWithEacces()
    {
        // O_WRONLY|O_NONBLOCK on a FIFO without a reader fails with ENXIO in the kernel: still the refusal.
        using var fs = new GuestFs();
        MakeFifo(fs.Tree.InGrant("fifo"));

        var errno = WithinSeconds(() => fs.Open("fifo", out _, rights: Rights.FdWrite));

        Assert.Equal(Errno.Acces, errno);
        Assert.NotNull(fs.Host.TakeRefusal());
    }

    [Fact]
    public void PathOpen_SymlinkToFifoFollowed_RefusedWithEacces()
    {
        using var fs = new GuestFs();
        MakeFifo(fs.Tree.InGrant("fifo"));
        File.CreateSymbolicLink(fs.Tree.InGrant("link"), "fifo");

        Assert.Equal(Errno.Acces, WithinSeconds(() => fs.Open("link", out _, rights: Rights.FdRead, lookup: Lookupflags.SymlinkFollow)));
    }

    [Fact]
    public void PathOpen_CharDeviceMadeWithMknod_RefusedWithEacces()
    {
        using var fs = new GuestFs();
        var path = fs.Tree.InGrant("null");
        // S_IFCHR | 0666, makedev(1, 3): a copy of /dev/null.
        if (mknod(path, 0x2000 | 0x1B6, (1 << 8) | 3) != 0)
            Assert.Skip($"mknod needs CAP_MKNOD (errno {Marshal.GetLastPInvokeError()})");

        Assert.Equal(Errno.Acces, fs.Open("null", out _, rights: Rights.FdRead | Rights.FdWrite));
        Assert.Contains("device, FIFO or socket", fs.Host.TakeRefusal());
        Assert.Equal(Errno.Acces, fs.Open("null", out _, rights: Rights.FdRead));
    }

    [Fact]
    public void PathOpen_CharDeviceAllowed_Opens()
    {
        using var fs = new GuestFs(allowSpecialFiles: true);
        var path = fs.Tree.InGrant("null");
        if (mknod(path, 0x2000 | 0x1B6, (1 << 8) | 3) != 0)
            Assert.Skip($"mknod needs CAP_MKNOD (errno {Marshal.GetLastPInvokeError()})");

        Assert.Equal(Errno.Success, fs.Open("null", out var fd, rights: Rights.FdRead | Rights.FdWrite));
        Assert.Equal(Errno.Success, fs.Read(fd, 16, out var text));
        Assert.Equal("", text);
    }

    [Fact]
    public void PathOpen_RegularFile_StillOpensBlocking()
    {
        // The open is O_NONBLOCK for every kind; a regular file must not keep it when the guest did not ask.
        using var fs = new GuestFs();
        File.WriteAllText(fs.Tree.InGrant("f"), "x");

        Assert.Equal(Errno.Success, fs.Open("f", out var fd, rights: Rights.FdRead));

        var host = (Wasmbox.Wasi.State.HostFileFd)fs.Fixture.Context.Fds.Get(fd)!;
        Assert.Equal(0, Wasmbox.Wasi.Fs.Interop.Sys.Fcntl(host.Handle, Wasmbox.Wasi.Fs.Interop.Sys.F_GETFL, 0) & Wasmbox.Wasi.Fs.Interop.Sys.O_NONBLOCK);
    }

    [Fact]
    public void PathOpen_FifoAllowed_OpensWithoutBlockingAndBlockingReadEndsAtTheDeadline()
    {
        using var fs = new GuestFs(allowSpecialFiles: true);
        var path = fs.Tree.InGrant("fifo");
        MakeFifo(path);

        Assert.Equal(Errno.Success, WithinSeconds(() => fs.Open("fifo", out _, rights: Rights.FdRead)));
        var fd = (int)fs.Fixture.U32(GuestFs.OutFd);
        // A writer that stays silent for 10 s: a read that ignored the deadline would return only then.
        using var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        Later.Run(Blocked, () => writer.Write("late"u8));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        fs.Fixture.Context.Interrupt = deadline.Token;

        var clock = Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => fs.Read(fd, 16, out _));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(300) + Slack);
    }

    [Fact]
    public void FdRead_FifoAllowedGuestNonblock_ReturnsEagainAtOnce()
    {
        using var fs = new GuestFs(allowSpecialFiles: true);
        var path = fs.Tree.InGrant("fifo");
        MakeFifo(path);
        Assert.Equal(Errno.Success, fs.Open("fifo", out var fd, rights: Rights.FdRead, fdflags: Fdflags.Nonblock));
        using var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);

        Assert.Equal(Errno.Again, WithinSeconds(() => fs.Read(fd, 16, out _)));

        writer.Write("hi"u8);
        Assert.Equal(Errno.Success, fs.Read(fd, 16, out var text));
        Assert.Equal("hi", text);
    }
}
