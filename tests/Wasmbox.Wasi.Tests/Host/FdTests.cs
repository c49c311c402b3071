using System.Buffers.Binary;
using System.Text;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.State;
using Wasmbox.Wasi.Tests.Fs;
using Wasmbox.Wasi.Tests.Memory;

namespace Wasmbox.Wasi.Tests.Host;

/// <summary>fd_* calls on a temp grant: exact bytes with sentinels around them, and errno tables.</summary>
public sealed class FdTests
{
    private const byte S = HostFixture.Sentinel;
    private const uint Out = 0x3000;

    private static GuestFs WithFile(out int fd, string content = "hello world", Rights rights = GuestFs.ReadWrite, Fdflags flags = Fdflags.None,
        long? maxDiskWrite = null)
    {
        var g = new GuestFs(maxDiskWrite: maxDiskWrite);
        File.WriteAllText(g.Tree.InGrant("f.txt"), content);
        Assert.Equal(Errno.Success, g.Open("f.txt", out fd, rights: rights, fdflags: flags));
        return g;
    }

    [Fact]
    public void FdFdstatGet_Preopen_WritesExactBytes()
    {
        using var g = new GuestFs();

        Assert.Equal(Errno.Success, g.Host.FdFdstatGet(g.Fixture.View, GuestFs.Grant, Out));

        var expected = new byte[26];
        expected[0] = S;
        expected[1] = (byte)Filetype.Directory;
        BinaryPrimitives.WriteUInt64LittleEndian(expected.AsSpan(9), (ulong)FileRights.DirectoryBase);
        BinaryPrimitives.WriteUInt64LittleEndian(expected.AsSpan(17), (ulong)FileRights.DirectoryInheriting);
        expected[25] = S;
        Assert.Equal(expected, g.Fixture.Bytes(Out - 1, 26));
    }

    [Fact]
    public void FdFdstatGet_FileOpenedForAppend_ReportsFlagsAndRights()
    {
        using var g = WithFile(out var fd, flags: Fdflags.Append | Fdflags.Nonblock);

        Assert.Equal(Errno.Success, g.Host.FdFdstatGet(g.Fixture.View, fd, Out));

        Assert.Equal(new byte[] { (byte)Filetype.RegularFile, 0, (byte)(Fdflags.Append | Fdflags.Nonblock), 0, 0, 0, 0, 0 }, g.Fixture.Bytes(Out, 8));
        Assert.Equal((ulong)FileRights.RegularFileBase, g.Fixture.U64(Out + 8));
    }

    [Fact]
    public void FdFdstatGet_ClosedFd_ReturnsBadfAndWritesNothing()
    {
        using var g = new GuestFs();
        Assert.Equal(Errno.Badf, g.Host.FdFdstatGet(g.Fixture.View, 42, Out));
        Assert.All(g.Fixture.Bytes(Out, 24), b => Assert.Equal(S, b));
    }

    [Fact]
    public void FdFdstatGet_MisalignedPointer_Traps()
    {
        using var g = new GuestFs();
        Assert.Throws<WasiTrap>(() => g.Host.FdFdstatGet(g.Fixture.View, GuestFs.Grant, Out + 4));
    }

    [Fact]
    public void FdFdstatSetFlags_Append_IsReportedAndUsed()
    {
        using var g = WithFile(out var fd, "start");
        Assert.Equal(Errno.Success, g.Host.FdFdstatSetFlags(g.Fixture.View, fd, (uint)Fdflags.Append));

        Assert.Equal(Errno.Success, g.Write(fd, "+end"));
        Assert.Equal(Errno.Success, g.Host.FdFdstatGet(g.Fixture.View, fd, Out));

        Assert.Equal((ushort)Fdflags.Append, BinaryPrimitives.ReadUInt16LittleEndian(g.Fixture.Bytes(Out + 2, 2)));
        Assert.Equal("start+end", File.ReadAllText(g.Tree.InGrant("f.txt")));
    }

    [Fact]
    public void FdFdstatSetRights_DropOnly_ThenMissingRightIsRefused()
    {
        using var g = WithFile(out var fd);
        const Rights kept = Rights.FdWrite | Rights.FdFdstatSetFlags;

        Assert.Equal(Errno.Success, g.Host.FdFdstatSetRights(g.Fixture.View, fd, (ulong)kept, 0));
        Assert.Equal(Errno.Notcapable, g.Host.FdFdstatSetRights(g.Fixture.View, fd, (ulong)(kept | Rights.FdRead), 0));
        Assert.Equal(Errno.Notcapable, g.Read(fd, 4, out _));
        Assert.Contains("FdRead", g.Host.TakeRefusal());
        Assert.Equal(Errno.Success, g.Host.FdFdstatGet(g.Fixture.View, fd, Out));
        Assert.Equal((ulong)kept, g.Fixture.U64(Out + 8));
        Assert.Equal(0ul, g.Fixture.U64(Out + 16));
    }

    [Fact]
    public void FdPrestatGet_Preopen_WritesTagAndNameLength()
    {
        using var g = new GuestFs();

        Assert.Equal(Errno.Success, g.Host.FdPrestatGet(g.Fixture.View, GuestFs.Grant, Out));

        Assert.Equal(new byte[] { S, 0, 0, 0, 0, 8, 0, 0, 0, S }, g.Fixture.Bytes(Out - 1, 10));
    }

    [Fact]
    public void FdPrestatGet_NotAPreopen_ReturnsBadf()
    {
        using var g = new GuestFs();
        Directory.CreateDirectory(g.Tree.InGrant("sub"));
        Assert.Equal(Errno.Success, g.Open("sub", out var sub, Oflags.Directory));

        Assert.Equal(Errno.Badf, g.Host.FdPrestatGet(g.Fixture.View, 0, Out));
        Assert.Equal(Errno.Badf, g.Host.FdPrestatGet(g.Fixture.View, sub, Out));
        Assert.Equal(Errno.Badf, g.Host.FdPrestatGet(g.Fixture.View, 99, Out));
        // Open but not a preopen: ENOTDIR from fd_prestat_dir_name, as Wasmtime answers.
        Assert.Equal(Errno.Notdir, g.Host.FdPrestatDirName(g.Fixture.View, sub, Out, 64));
        Assert.Equal(Errno.Badf, g.Host.FdPrestatDirName(g.Fixture.View, 99, Out, 64));
        Assert.All(g.Fixture.Bytes(Out, 8), b => Assert.Equal(S, b));
    }

    [Theory]
    [InlineData(8u, Errno.Success, "/sandbox?")]
    [InlineData(12u, Errno.Success, "/sandbox?")]
    [InlineData(7u, Errno.Nametoolong, "?????????")]
    [InlineData(0u, Errno.Nametoolong, "?????????")]
    public void FdPrestatDirName_BufferSizes(uint pathLen, Errno expected, string memoryAfter)
    {
        using var g = new GuestFs();
        Assert.Equal(expected, g.Host.FdPrestatDirName(g.Fixture.View, GuestFs.Grant, Out, pathLen));
        Assert.Equal(memoryAfter, Encoding.ASCII.GetString(g.Fixture.Bytes(Out, 9)));
    }

    [Fact]
    public void FdWriteThenRead_TwoIovecs_RoundTrip()
    {
        using var g = new GuestFs();
        Assert.Equal(Errno.Success, g.Open("new.txt", out var fd, Oflags.Creat));
        g.Put(0x4000, "abc");
        g.Put(0x4100, "defg");
        g.Fixture.PutU32(0x2000, 0x4000);
        g.Fixture.PutU32(0x2004, 3);
        g.Fixture.PutU32(0x2008, 0x4100);
        g.Fixture.PutU32(0x200c, 4);

        Assert.Equal(Errno.Success, g.Host.FdWrite(g.Fixture.View, fd, 0x2000, 2, Out));
        Assert.Equal(7u, g.Fixture.U32(Out));
        Assert.Equal("abcdefg", File.ReadAllText(g.Tree.InGrant("new.txt")));

        Assert.Equal(Errno.Success, g.Host.FdSeek(g.Fixture.View, fd, 1, (uint)Whence.Set, Out));
        Assert.Equal(1ul, g.Fixture.U64(Out));
        g.Fixture.PutU32(0x2000, 0x5000);
        g.Fixture.PutU32(0x2004, 2);
        g.Fixture.PutU32(0x2008, 0x5100);
        g.Fixture.PutU32(0x200c, 10);
        Assert.Equal(Errno.Success, g.Host.FdRead(g.Fixture.View, fd, 0x2000, 2, Out));
        Assert.Equal(6u, g.Fixture.U32(Out));
        Assert.Equal("bc?", Encoding.ASCII.GetString(g.Fixture.Bytes(0x5000, 3)));
        Assert.Equal("defg??????", Encoding.ASCII.GetString(g.Fixture.Bytes(0x5100, 10)));

        Assert.Equal(Errno.Success, g.Host.FdRead(g.Fixture.View, fd, 0x2000, 2, Out));
        Assert.Equal(0u, g.Fixture.U32(Out));
    }

    [Fact]
    public void FdPreadPwrite_DoNotMoveThePosition()
    {
        using var g = WithFile(out var fd, "0123456789");
        g.Put(0x4000, "AB");
        g.Fixture.PutU32(0x2000, 0x4000);
        g.Fixture.PutU32(0x2004, 2);

        Assert.Equal(Errno.Success, g.Host.FdPwrite(g.Fixture.View, fd, 0x2000, 1, 4, Out));
        Assert.Equal(2u, g.Fixture.U32(Out));
        Assert.Equal(Errno.Success, g.Host.FdPread(g.Fixture.View, fd, 0x2000, 1, 3, Out));
        Assert.Equal("3A", Encoding.ASCII.GetString(g.Fixture.Bytes(0x4000, 2)));
        Assert.Equal(Errno.Success, g.Host.FdTell(g.Fixture.View, fd, Out));
        Assert.Equal(0ul, g.Fixture.U64(Out));
        Assert.Equal("0123AB6789", File.ReadAllText(g.Tree.InGrant("f.txt")));
    }

    [Theory]
    [InlineData(0L, 3u, Errno.Inval)]
    [InlineData(-1L, (uint)Whence.Set, Errno.Inval)]
    [InlineData(-100L, (uint)Whence.Cur, Errno.Inval)]
    [InlineData(2L, (uint)Whence.End, Errno.Success)]
    public void FdSeek_Table(long offset, uint whence, Errno expected)
    {
        using var g = WithFile(out var fd);
        Assert.Equal(expected, g.Host.FdSeek(g.Fixture.View, fd, offset, whence, Out));
        if (expected == Errno.Success) Assert.Equal(13ul, g.Fixture.U64(Out));
        else Assert.All(g.Fixture.Bytes(Out, 8), b => Assert.Equal(S, b));
    }

    [Fact]
    public void FdSeek_TellRightAlone_AllowsOnlyTheQuery()
    {
        using var g = WithFile(out var fd, rights: Rights.FdRead | Rights.FdTell);
        Assert.Equal(Errno.Success, g.Host.FdSeek(g.Fixture.View, fd, 0, (uint)Whence.Cur, Out));
        Assert.Equal(Errno.Notcapable, g.Host.FdSeek(g.Fixture.View, fd, 1, (uint)Whence.Set, Out));
    }

    public static TheoryData<string, Errno> ErrnoTable() => new()
    {
        { "fd_read on a directory", Errno.Badf },
        { "fd_write on a directory", Errno.Badf },
        { "fd_seek on a directory", Errno.Badf },
        { "fd_write on stdin", Errno.Badf },
        { "fd_read on stdout", Errno.Badf },
        { "fd_seek on stdout", Errno.Spipe },
        { "fd_readdir on a file", Errno.Badf },
        { "fd_readdir on stdout", Errno.Badf },
        { "fd_read on a closed fd", Errno.Badf },
        { "fd_read negative fd", Errno.Badf },
        { "fd_close on a closed fd", Errno.Badf },
        { "fd_renumber to a closed fd", Errno.Badf },
        { "fd_renumber from a closed fd", Errno.Badf },
        { "fd_sync on stdout", Errno.Badf },
        { "fd_advise bad advice", Errno.Inval },
        { "fd_allocate length 0", Errno.Inval },
        { "fd_fdstat_set_flags unknown bit", Errno.Inval },
        { "fd_fdstat_set_flags sync", Errno.Inval },
        { "fd_filestat_set_times atim and atim_now", Errno.Inval },
        { "fd_filestat_set_times mtim and mtim_now", Errno.Inval },
        { "fd_filestat_set_times unknown bit", Errno.Inval },
        { "fd_pread offset beyond a host offset", Errno.Inval },
        { "fd_filestat_set_size on a directory", Errno.Badf },
        { "fd_write without the right", Errno.Notcapable },
    };

    [Theory]
    [MemberData(nameof(ErrnoTable))]
    public void FdCalls_ErrnoTable(string name, Errno expected)
    {
        using var g = WithFile(out var fd);
        var m = g.Fixture.View;
        g.Fixture.PutU32(0x2000, 0x4000);
        g.Fixture.PutU32(0x2004, 4);
        if (name == "fd_write without the right") Assert.Equal(Errno.Success, g.Host.FdFdstatSetRights(m, fd, (ulong)Rights.FdRead, 0));
        var errno = name switch
        {
            "fd_read on a directory" => g.Host.FdRead(m, GuestFs.Grant, 0x2000, 1, Out),
            "fd_write on a directory" => g.Host.FdWrite(m, GuestFs.Grant, 0x2000, 1, Out),
            "fd_seek on a directory" => g.Host.FdSeek(m, GuestFs.Grant, 0, 0, Out),
            "fd_write on stdin" => g.Host.FdWrite(m, 0, 0x2000, 1, Out),
            "fd_read on stdout" => g.Host.FdRead(m, 1, 0x2000, 1, Out),
            "fd_seek on stdout" => g.Host.FdSeek(m, 1, 0, 0, Out),
            "fd_readdir on a file" => g.Host.FdReaddir(m, fd, 0x4000, 128, 0, Out),
            "fd_readdir on stdout" => g.Host.FdReaddir(m, 1, 0x4000, 128, 0, Out),
            "fd_read on a closed fd" => g.Host.FdRead(m, 77, 0x2000, 1, Out),
            "fd_read negative fd" => g.Host.FdRead(m, -1, 0x2000, 1, Out),
            "fd_close on a closed fd" => g.Host.FdClose(m, 77),
            "fd_renumber to a closed fd" => g.Host.FdRenumber(m, fd, 77),
            "fd_renumber from a closed fd" => g.Host.FdRenumber(m, 77, fd),
            "fd_sync on stdout" => g.Host.FdSync(m, 1),
            "fd_advise bad advice" => g.Host.FdAdvise(m, fd, 0, 0, 6),
            "fd_allocate length 0" => g.Host.FdAllocate(m, fd, 0, 0),
            "fd_fdstat_set_flags unknown bit" => g.Host.FdFdstatSetFlags(m, fd, 1 << 5),
            "fd_fdstat_set_flags sync" => g.Host.FdFdstatSetFlags(m, fd, (uint)Fdflags.Sync),
            "fd_filestat_set_times atim and atim_now" => g.Host.FdFilestatSetTimes(m, fd, 1, 1, (uint)(Fstflags.Atim | Fstflags.AtimNow)),
            "fd_filestat_set_times mtim and mtim_now" => g.Host.FdFilestatSetTimes(m, fd, 1, 1, (uint)(Fstflags.Mtim | Fstflags.MtimNow)),
            "fd_filestat_set_times unknown bit" => g.Host.FdFilestatSetTimes(m, fd, 1, 1, 1 << 4),
            "fd_pread offset beyond a host offset" => g.Host.FdPread(m, fd, 0x2000, 1, ulong.MaxValue, Out),
            "fd_filestat_set_size on a directory" => g.Host.FdFilestatSetSize(m, GuestFs.Grant, 0),
            "fd_write without the right" => g.Host.FdWrite(m, fd, 0x2000, 1, Out),
            _ => throw new ArgumentException(name),
        };
        Assert.Equal(expected, errno);
        Assert.All(g.Fixture.Bytes(Out, 8), b => Assert.Equal(S, b));
        Assert.Equal("hello world", File.ReadAllText(g.Tree.InGrant("f.txt")));
    }

    [Fact]
    public void FdRead_IovecOutOfBounds_TrapsBeforeReading()
    {
        using var g = WithFile(out var fd);
        g.Fixture.PutU32(0x2000, 0x4000);
        g.Fixture.PutU32(0x2004, 4);
        g.Fixture.PutU32(0x2008, 0xFFF0);
        g.Fixture.PutU32(0x200c, 0x100);

        Assert.Throws<WasiTrap>(() => g.Host.FdRead(g.Fixture.View, fd, 0x2000, 2, Out));

        Assert.All(g.Fixture.Bytes(0x4000, 4), b => Assert.Equal(S, b));
        Assert.Equal(Errno.Success, g.Host.FdTell(g.Fixture.View, fd, Out));
        Assert.Equal(0ul, g.Fixture.U64(Out));
    }

    [Fact]
    public void FdWrite_BadNwrittenPointer_TrapsBeforeWriting()
    {
        using var g = WithFile(out var fd);
        g.Put(0x4000, "XXXX");
        g.Fixture.PutU32(0x2000, 0x4000);
        g.Fixture.PutU32(0x2004, 4);

        Assert.Throws<WasiTrap>(() => g.Host.FdWrite(g.Fixture.View, fd, 0x2000, 1, 0xFFFF_FFF0));

        Assert.Equal("hello world", File.ReadAllText(g.Tree.InGrant("f.txt")));
    }

    [Fact]
    public void FdFilestatGet_File_WritesExactLayoutWithNanoseconds()
    {
        using var g = WithFile(out var fd, "12345");
        const ulong atim = 1_600_000_000_123_456_789, mtim = 1_700_000_000_987_654_321;
        Assert.Equal(Errno.Success, g.Host.FdFilestatSetTimes(g.Fixture.View, fd, atim, mtim, (uint)(Fstflags.Atim | Fstflags.Mtim)));

        Assert.Equal(Errno.Success, g.Host.FdFilestatGet(g.Fixture.View, fd, Out));

        Assert.Equal(S, g.Fixture.Bytes(Out - 1, 1)[0]);
        Assert.Equal(S, g.Fixture.Bytes(Out + 64, 1)[0]);
        Assert.NotEqual(0ul, g.Fixture.U64(Out + 8));
        Assert.Equal(new byte[] { (byte)Filetype.RegularFile, 0, 0, 0, 0, 0, 0, 0 }, g.Fixture.Bytes(Out + 16, 8));
        Assert.Equal(1ul, g.Fixture.U64(Out + 24));
        Assert.Equal(5ul, g.Fixture.U64(Out + 32));
        Assert.Equal(atim, g.Fixture.U64(Out + 40));
        Assert.Equal(mtim, g.Fixture.U64(Out + 48));
        Assert.NotEqual(0ul, g.Fixture.U64(Out + 56));
    }

    [Fact]
    public void FdFilestatSetTimes_Now_SetsTheCurrentTime()
    {
        using var g = WithFile(out var fd);
        var before = (ulong)(DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100 - 1_000_000_000;
        Assert.Equal(Errno.Success, g.Host.FdFilestatSetTimes(g.Fixture.View, fd, 0, 0, (uint)Fstflags.MtimNow));
        Assert.Equal(Errno.Success, g.Host.FdFilestatGet(g.Fixture.View, fd, Out));
        Assert.True(g.Fixture.U64(Out + 48) >= before);
    }

    [Fact]
    public void FdFilestatSetSize_GrowsAndShrinks()
    {
        using var g = WithFile(out var fd, "0123456789");
        Assert.Equal(Errno.Success, g.Host.FdFilestatSetSize(g.Fixture.View, fd, 4));
        Assert.Equal("0123", File.ReadAllText(g.Tree.InGrant("f.txt")));
        Assert.Equal(Errno.Success, g.Host.FdFilestatSetSize(g.Fixture.View, fd, 100));
        Assert.Equal(100, new FileInfo(g.Tree.InGrant("f.txt")).Length);
    }

    [Fact]
    public void FdAllocateAdviseSync_OnAFile_Succeed()
    {
        using var g = WithFile(out var fd);
        Assert.Equal(Errno.Success, g.Host.FdAllocate(g.Fixture.View, fd, 0, 4096));
        Assert.Equal(4096, new FileInfo(g.Tree.InGrant("f.txt")).Length);
        Assert.Equal(Errno.Success, g.Host.FdAdvise(g.Fixture.View, fd, 0, 10, (uint)Advice.Sequential));
        Assert.Equal(Errno.Success, g.Host.FdSync(g.Fixture.View, fd));
        Assert.Equal(Errno.Success, g.Host.FdDatasync(g.Fixture.View, fd));
        // A directory is not synced: EBADF, Wasmtime's answer (DescriptorCallTests).
        Assert.Equal(Errno.Badf, g.Host.FdSync(g.Fixture.View, GuestFs.Grant));
    }

    [Fact]
    public void FdRenumber_MovesTheDescriptorAndClosesTheTarget()
    {
        using var g = WithFile(out var fd);
        Assert.Equal(Errno.Success, g.Open("f.txt", out var other));

        Assert.Equal(Errno.Success, g.Host.FdRenumber(g.Fixture.View, fd, other));

        Assert.Equal(Errno.Badf, g.Host.FdTell(g.Fixture.View, fd, Out));
        Assert.Equal(Errno.Success, g.Read(other, 5, out var text));
        Assert.Equal("hello", text);
        Assert.Equal(Errno.Success, g.Host.FdClose(g.Fixture.View, other));
        Assert.Equal(Errno.Badf, g.Host.FdClose(g.Fixture.View, other));
    }

    [Fact]
    public void FdWrite_DiskQuota_CutsShortThenDquot()
    {
        // Why an 8 KiB file: overwriting blocks it already has stores nothing new, so each write costs just its bytes
        // (a write into an empty file would cost a whole block, far past this 10-byte quota: Fs/DiskChargeTests.cs).
        using var g = WithFile(out var fd, new string('.', 8192), maxDiskWrite: 10);

        Assert.Equal(Errno.Success, g.Write(fd, "123456"));
        Assert.Equal(6u, g.Fixture.U32(GuestFs.OutFd));
        Assert.False(g.Fixture.Context.Quotas.DiskWriteLimitHit);
        Assert.Equal(Errno.Success, g.Write(fd, "789abc"));
        Assert.Equal(4u, g.Fixture.U32(GuestFs.OutFd));
        Assert.True(g.Fixture.Context.Quotas.DiskWriteLimitHit);
        Assert.Equal(Errno.Dquot, g.Write(fd, "x"));
        Assert.Equal(Errno.Dquot, g.Host.FdFilestatSetSize(g.Fixture.View, fd, 10_000));
        Assert.Equal("123456789a" + new string('.', 8192 - 10), File.ReadAllText(g.Tree.InGrant("f.txt")));
        Assert.Equal(10, g.Fixture.Context.Quotas.DiskWritten);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(8u)]
    public void FdWrite_IovecArrayOf4GiB_TrapsRatherThanWrapping(uint iovs)
    {
        using var g = WithFile(out var fd, "");
        using var memory = new LargeMemory();

        // iovs_len × 8 = 2^32, which is 0 in 32-bit arithmetic: an empty array that the loop would then walk 2^29 times.
        Assert.Throws<WasiTrap>(() => g.Host.FdWrite(memory.View(), fd, iovs, 0x2000_0000, 0x100));

        Assert.Equal(0, new FileInfo(g.Tree.InGrant("f.txt")).Length);
    }

    [Fact]
    public void FdAllocate_GrowthBeyondTheDiskQuota_ReturnsDquotAndDoesNotGrow()
    {
        using var g = WithFile(out var fd, "abc", maxDiskWrite: 100);

        Assert.Equal(Errno.Dquot, g.Host.FdAllocate(g.Fixture.View, fd, 0, 1000));

        Assert.Equal(3, new FileInfo(g.Tree.InGrant("f.txt")).Length);
        Assert.True(g.Fixture.Context.Quotas.DiskWriteLimitHit);
    }

    [Fact]
    public void FdReaddir_ListsDotDotDotAndEntriesWithExactLayout()
    {
        using var g = new GuestFs();
        File.WriteAllText(g.Tree.InGrant("file"), "");
        Directory.CreateDirectory(g.Tree.InGrant("dir"));
        File.CreateSymbolicLink(g.Tree.InGrant("link"), "file");

        var entries = ReadAll(g, GuestFs.Grant, 0, 4096, out var used);

        Assert.Equal([".", "..", "dir", "file", "link"], entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(Filetype.Directory, entries.Single(e => e.Name == "dir").Type);
        Assert.Equal(Filetype.RegularFile, entries.Single(e => e.Name == "file").Type);
        Assert.Equal(Filetype.SymbolicLink, entries.Single(e => e.Name == "link").Type);
        Assert.Equal(S, g.Fixture.Bytes(0x4000 + used, 1)[0]);
        var fileEntry = entries.Single(e => e.Name == "file");
        Assert.Equal(InodeOf(g.Tree.InGrant("file")), fileEntry.Ino);

        // Every cookie resumes right after its entry.
        for (var i = 0; i < entries.Count; i++)
        {
            var rest = ReadAll(g, GuestFs.Grant, entries[i].Next, 4096, out _);
            Assert.Equal(entries.Skip(i + 1).Select(e => e.Name), rest.Select(e => e.Name));
        }
    }

    [Fact]
    public void FdReaddir_ShortBuffer_TruncatesAndFillsItExactly()
    {
        using var g = new GuestFs();
        File.WriteAllText(g.Tree.InGrant("a-rather-long-file-name"), "");
        var all = ReadAll(g, GuestFs.Grant, 0, 4096, out var full);

        for (uint size = 1; size < full; size += 7)
        {
            g.Fixture.Memory.Bytes.AsSpan(0x4000, 4096).Fill(S);
            Assert.Equal(Errno.Success, g.Host.FdReaddir(g.Fixture.View, GuestFs.Grant, 0x4000, size, 0, Out));
            Assert.Equal(size, g.Fixture.U32(Out));
            Assert.Equal(S, g.Fixture.Bytes(0x4000 + size, 1)[0]);
        }
        Assert.Equal(3, all.Count);
    }

    /// <summary>The inode number as coreutils' stat(1) sees it (an independent reading of d_ino).</summary>
    private static ulong InodeOf(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(psi)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return ulong.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record Dirent(ulong Next, ulong Ino, string Name, Filetype Type);

    private static List<Dirent> ReadAll(GuestFs g, int fd, ulong cookie, uint size, out uint used)
    {
        Assert.Equal(Errno.Success, g.Host.FdReaddir(g.Fixture.View, fd, 0x4000, size, cookie, Out));
        used = g.Fixture.U32(Out);
        Assert.True(used < size, "the test buffer must hold the whole listing");
        var bytes = g.Fixture.Bytes(0x4000, (int)used);
        var list = new List<Dirent>();
        for (var pos = 0; pos < bytes.Length;)
        {
            var namlen = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 16));
            Assert.Equal(new byte[] { 0, 0, 0 }, bytes[(pos + 21)..(pos + 24)]);
            list.Add(new Dirent(
                BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos)),
                BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos + 8)),
                Encoding.UTF8.GetString(bytes, pos + 24, namlen),
                (Filetype)bytes[pos + 20]));
            pos += 24 + namlen;
        }
        return list;
    }
}
