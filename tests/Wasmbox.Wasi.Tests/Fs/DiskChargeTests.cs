using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Tests.Fs;

/// <summary>
/// <c>--max-disk-write</c> counts what a guest makes the host store (Fs/DiskCharge.cs). Each test is an attempt to
/// store more than the quota; it asserts the refusal and, with stat(1)/du(1), what really reached the disk. Bounds
/// rather than exact block counts, so that they hold on ext4 and on tmpfs alike.
/// </summary>
public sealed class DiskChargeTests
{
    private const long KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

    private static Errno Allocate(GuestFs g, int fd, ulong offset, ulong length) => g.Host.FdAllocate(g.Fixture.View, fd, offset, length);

    private static Quotas QuotasOf(GuestFs g) => g.Fixture.Context.Quotas;

    [Fact]
    public void FdAllocate_AfterASparseWriteAtTheEnd_IsRefusedAndAllocatesNothing()
    {
        using var g = new GuestFs(maxDiskWrite: 1 * MiB);
        Assert.Equal(Errno.Success, g.Open("f", out var fd, Oflags.Creat));
        Assert.Equal(Errno.Success, g.Pwrite(fd, "x", 64 * MiB - 1));

        // The size already covers [0, 64 MiB): growth of the size alone would make this free.
        Assert.Equal(Errno.Dquot, Allocate(g, fd, 0, 64 * MiB));

        Assert.True(QuotasOf(g).DiskWriteLimitHit);
        Assert.Equal(Errno.Success, g.Host.FdSync(g.Fixture.View, fd));
        Assert.InRange(DiskUsage.Allocated(g.Tree.InGrant("f")), 0, 1 * MiB + DiskUsage.Overshoot);
    }

    [Fact]
    public void FdAllocate_WithinTheQuota_AllocatesAndIsChargedItsBlocks()
    {
        using var g = new GuestFs(maxDiskWrite: 1 * MiB);
        Assert.Equal(Errno.Success, g.Open("f", out var fd, Oflags.Creat));
        var beforeAllocate = QuotasOf(g).DiskWritten;

        Assert.Equal(Errno.Success, Allocate(g, fd, 0, 256 * KiB));

        var stored = DiskUsage.Allocated(g.Tree.InGrant("f"));
        Assert.InRange(stored, 256 * KiB, 256 * KiB + DiskUsage.Overshoot);
        Assert.InRange(QuotasOf(g).DiskWritten - beforeAllocate, stored, 256 * KiB + DiskUsage.Overshoot);
        Assert.False(QuotasOf(g).DiskWriteLimitHit);
    }

    [Fact]
    public void FdPwrite_SparseBytesFarApart_StopAtTheQuota()
    {
        using var g = new GuestFs(maxDiskWrite: 64 * KiB);
        Assert.Equal(Errno.Success, g.Open("f", out var fd, Oflags.Creat));

        // Each byte lands in a block of its own (plus extent metadata), yet the old rule charged it 1 byte.
        var results = Enumerable.Range(0, 100).Select(i => g.Pwrite(fd, "x", (ulong)i * GiB)).ToList();

        var written = results.TakeWhile(e => e == Errno.Success).Count();
        Assert.InRange(written, 1, 64 * KiB / 4096);
        Assert.All(results.Skip(written), e => Assert.Equal(Errno.Dquot, e));
        Assert.True(QuotasOf(g).DiskWriteLimitHit);
        Assert.Equal(Errno.Success, g.Host.FdSync(g.Fixture.View, fd));
        Assert.InRange(DiskUsage.Allocated(g.Tree.InGrant("f")), written * 512L, 64 * KiB + DiskUsage.Overshoot);
    }

    [Fact]
    public void FdWrite_OneByteToANewFile_IsChargedItsBlockAndTheEntry()
    {
        using var g = new GuestFs(maxDiskWrite: 1 * MiB);
        Assert.Equal(Errno.Success, g.Open("f", out var fd, Oflags.Creat));

        Assert.Equal(Errno.Success, g.Write(fd, "x"));

        Assert.Equal(1u, g.Fixture.U32(GuestFs.OutFd));
        // At least the entry (256) and the byte, and at least every block the file now has.
        Assert.InRange(QuotasOf(g).DiskWritten, Math.Max(257, 256 + DiskUsage.Allocated(g.Tree.InGrant("f"))), 4096 + 256 + DiskUsage.Overshoot);
    }

    [Fact]
    public void FdFilestatSetSize_Growth_IsChargedAndRefusedBeyondTheQuota()
    {
        using var g = new GuestFs(maxDiskWrite: 64 * KiB);
        Assert.Equal(Errno.Success, g.Open("f", out var fd, Oflags.Creat));

        Assert.Equal(Errno.Success, g.Host.FdFilestatSetSize(g.Fixture.View, fd, 32 * KiB));
        Assert.InRange(QuotasOf(g).DiskWritten, 32 * KiB + 256, 32 * KiB + 256 + DiskUsage.Overshoot);
        Assert.False(QuotasOf(g).DiskWriteLimitHit);

        Assert.Equal(Errno.Dquot, g.Host.FdFilestatSetSize(g.Fixture.View, fd, 1 * MiB));

        Assert.True(QuotasOf(g).DiskWriteLimitHit);
        Assert.Equal(32 * KiB, new FileInfo(g.Tree.InGrant("f")).Length);
        Assert.InRange(DiskUsage.Allocated(g.Tree.InGrant("f")), 0, 64 * KiB + DiskUsage.Overshoot);
        // A shrink stores nothing, so it is allowed even now; it gives nothing back.
        var spent = QuotasOf(g).DiskWritten;
        Assert.Equal(Errno.Success, g.Host.FdFilestatSetSize(g.Fixture.View, fd, 0));
        Assert.Equal(spent, QuotasOf(g).DiskWritten);
    }

    [Fact]
    public void PathOpen_CreatingManyEmptyFiles_StopsAtTheQuota()
    {
        using var g = new GuestFs(maxDiskWrite: 16 * KiB);
        var before = DiskUsage.Tree(g.Tree.Grant);

        var created = 0;
        Errno errno;
        while ((errno = g.Open($"f{created}", out var fd, Oflags.Creat)) == Errno.Success && created < 10_000)
        {
            Assert.Equal(Errno.Success, g.Host.FdClose(g.Fixture.View, fd));
            created++;
        }

        Assert.Equal(Errno.Dquot, errno);
        Assert.True(QuotasOf(g).DiskWriteLimitHit);
        Assert.InRange(created, 1, 16 * KiB / 256);
        Assert.Equal(created, Directory.GetFiles(g.Tree.Grant).Length);
        Assert.False(File.Exists(g.Tree.InGrant($"f{created}")));
        Assert.InRange(DiskUsage.Tree(g.Tree.Grant) - before, 0, 16 * KiB + DiskUsage.Overshoot);
        // What exists still opens with creat: only creating is refused.
        Assert.Equal(Errno.Success, g.Open("f0", out _, Oflags.Creat));
        Assert.Equal(Errno.Exist, g.Open("f0", out _, Oflags.Creat | Oflags.Excl));
    }

    [Fact]
    public void PathCreateDirectory_Storm_StopsAtTheQuota()
    {
        using var g = new GuestFs(maxDiskWrite: 64 * KiB);
        var before = DiskUsage.Tree(g.Tree.Grant);

        var created = 0;
        Errno errno;
        while ((errno = g.Mkdir($"d{created}")) == Errno.Success && created < 10_000) created++;

        Assert.Equal(Errno.Dquot, errno);
        Assert.True(QuotasOf(g).DiskWriteLimitHit);
        Assert.InRange(created, 1, 64 * KiB / 256);
        Assert.Equal(created, Directory.GetDirectories(g.Tree.Grant).Length);
        Assert.InRange(DiskUsage.Tree(g.Tree.Grant) - before, 0, 64 * KiB + DiskUsage.Overshoot);
        Assert.Equal(Errno.Exist, g.Mkdir("d0"));
    }

    [Fact]
    public void PathSymlinkAndLink_AreChargedAnEntryEachAndRefusedWhenSpent()
    {
        using var g = new GuestFs(maxDiskWrite: 1 * KiB);
        File.WriteAllText(g.Tree.InGrant("f.txt"), "content");

        Assert.Equal(Errno.Success, g.Symlink("f.txt", "s0"));
        Assert.InRange(QuotasOf(g).DiskWritten, 256, 1 * KiB + DiskUsage.Overshoot);
        var afterSymlink = QuotasOf(g).DiskWritten;
        Assert.Equal(Errno.Success, g.Link("f.txt", "h0"));
        Assert.InRange(QuotasOf(g).DiskWritten - afterSymlink, 256, DiskUsage.Overshoot);

        var created = 2;
        Errno errno;
        while ((errno = created % 2 == 0 ? g.Symlink("f.txt", $"s{created}") : g.Link("f.txt", $"h{created}")) == Errno.Success && created < 1000)
            created++;

        Assert.Equal(Errno.Dquot, errno);
        Assert.True(QuotasOf(g).DiskWriteLimitHit);
        Assert.InRange(created, 2, 1 * KiB / 256);
        Assert.Equal(created + 1, Directory.GetFileSystemEntries(g.Tree.Grant).Length);
        Assert.False(Path.Exists(g.Tree.InGrant(created % 2 == 0 ? $"s{created}" : $"h{created}")));
        Assert.Equal(Errno.Exist, g.Symlink("f.txt", "s0"));
        Assert.Equal(Errno.Exist, g.Link("f.txt", "h0"));
    }

    [Fact]
    public void PathSymlink_LongTarget_IsChargedTheBlockItStores()
    {
        using var g = new GuestFs(maxDiskWrite: 1 * MiB);
        var target = string.Concat(Enumerable.Repeat("long-name/", 100));

        Assert.Equal(Errno.Success, g.Symlink(target, "s"));

        Assert.InRange(QuotasOf(g).DiskWritten, Math.Max(256, DiskUsage.Allocated(g.Tree.InGrant("s"))), 4096 + DiskUsage.Overshoot);
    }

    [Fact]
    public void NoQuota_TheSameCallsSucceedAndNothingIsCounted()
    {
        using var g = new GuestFs();
        Assert.Equal(Errno.Success, g.Open("f", out var fd, Oflags.Creat));
        Assert.Equal(Errno.Success, g.Pwrite(fd, "x", 8 * MiB - 1));

        Assert.Equal(Errno.Success, Allocate(g, fd, 0, 8 * MiB));
        for (var i = 0; i < 300; i++) Assert.Equal(Errno.Success, g.Mkdir($"d{i}"));

        // The measurement these tests rely on sees the fallocate: without a quota it really stores 8 MiB.
        Assert.InRange(DiskUsage.Allocated(g.Tree.InGrant("f")), 8 * MiB, 8 * MiB + DiskUsage.Overshoot);
        Assert.Equal(0, QuotasOf(g).DiskWritten);
        Assert.False(QuotasOf(g).DiskWriteLimitHit);
    }
}
