using System.Text;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.State;
using Wasmbox.Wasi.Host;
using Wasmbox.Wasi.Memory;
using Wasmbox.Wasi.Tests.Fs;
using Wasmbox.Wasi.Tests.Memory;

namespace Wasmbox.Wasi.Tests.Host;

/// <summary>path_* calls on a temp grant: behaviour, errno tables, bytes written.</summary>
public sealed class PathTests
{
    private const byte S = HostFixture.Sentinel;

    private static GuestFs Make(bool fallback = false)
    {
        var g = new GuestFs(fallback);
        File.WriteAllText(g.Tree.InGrant("f.txt"), "content");
        Directory.CreateDirectory(g.Tree.InGrant("d"));
        File.WriteAllText(g.Tree.InGrant("d/inner.txt"), "inner");
        Directory.CreateDirectory(g.Tree.InGrant("empty"));
        File.CreateSymbolicLink(g.Tree.InGrant("link"), "f.txt");
        return g;
    }

    /// <summary>The table below, once through openat2 and once through the component walk.</summary>
    public static TheoryData<string, Errno, bool> ErrnoTable()
    {
        var data = new TheoryData<string, Errno, bool>();
        foreach (var (name, errno) in Table)
        {
            data.Add(name, errno, false);
            data.Add(name, errno, true);
        }
        return data;
    }

    private static readonly (string, Errno)[] Table =
    [
        ("open missing", Errno.Noent),
        ("open empty path", Errno.Noent),
        ("open directory flag on a file", Errno.Notdir),
        ("open file with trailing slash", Errno.Notdir),
        ("open directory for writing", Errno.Isdir),
        ("open creat excl existing", Errno.Exist),
        ("open directory with creat", Errno.Inval),
        ("open directory with trunc", Errno.Inval),
        ("open unknown oflags", Errno.Inval),
        ("open unknown fdflags", Errno.Inval),
        ("open unknown lookupflags", Errno.Inval),
        ("open symlink without follow", Errno.Loop),
        ("open through a file fd", Errno.Notdir),
        ("open through stdout", Errno.Badf),
        ("open through a closed fd", Errno.Badf),
        ("open invalid UTF-8", Errno.Ilseq),
        ("mkdir existing", Errno.Exist),
        ("mkdir missing parent", Errno.Noent),
        ("rmdir non-empty", Errno.Notempty),
        ("rmdir a file", Errno.Notdir),
        ("rmdir a symlink", Errno.Notdir),
        ("rmdir dot", Errno.Inval),
        ("unlink a directory", Errno.Isdir),
        ("unlink file with trailing slash", Errno.Notdir),
        ("unlink missing", Errno.Noent),
        ("rename file onto directory", Errno.Isdir),
        ("rename directory onto non-empty", Errno.Notempty),
        ("rename file with trailing slash", Errno.Notdir),
        ("link onto existing", Errno.Exist),
        ("link a directory", Errno.Perm),
        ("symlink onto existing", Errno.Exist),
        ("symlink empty target", Errno.Noent),
        ("symlink new path with trailing slash", Errno.Noent),
        ("readlink a file", Errno.Inval),
        ("stat missing", Errno.Noent),
        ("stat unknown lookupflags", Errno.Inval),
        ("stat file with trailing slash", Errno.Notdir),
        ("set times atim and atim_now", Errno.Inval),
        ("create without path_create_directory", Errno.Notcapable),
    ];

    [Theory]
    [MemberData(nameof(ErrnoTable))]
    public void PathCalls_ErrnoTable(string name, Errno expected, bool fallback)
    {
        using var g = Make(fallback);
        var before = g.Tree.Snapshot();
        var m = g.Fixture.View;
        var errno = name switch
        {
            "open missing" => g.Open("nope", out _),
            "open empty path" => g.Open("", out _),
            "open directory flag on a file" => g.Open("f.txt", out _, Oflags.Directory),
            "open file with trailing slash" => g.Open("f.txt/", out _),
            "open directory for writing" => g.Open("d", out _, rights: Rights.FdWrite),
            "open creat excl existing" => g.Open("f.txt", out _, Oflags.Creat | Oflags.Excl),
            "open directory with creat" => g.Open("new", out _, Oflags.Directory | Oflags.Creat),
            "open directory with trunc" => g.Open("d", out _, Oflags.Directory | Oflags.Trunc),
            "open unknown oflags" => g.Open("f.txt", out _, (Oflags)(1 << 4)),
            "open unknown fdflags" => g.Open("f.txt", out _, fdflags: (Fdflags)(1 << 5)),
            "open unknown lookupflags" => g.Open("f.txt", out _, lookup: (Lookupflags)2),
            "open symlink without follow" => g.Open("link", out _, lookup: Lookupflags.None),
            "open through a file fd" => OpenThroughFile(g),
            "open through stdout" => g.Open("f.txt", out _, dir: 1),
            "open through a closed fd" => g.Open("f.txt", out _, dir: 50),
            "open invalid UTF-8" => OpenInvalidUtf8(g),
            "mkdir existing" => g.Mkdir("d"),
            "mkdir missing parent" => g.Mkdir("no/such"),
            "rmdir non-empty" => g.Rmdir("d"),
            "rmdir a file" => g.Rmdir("f.txt"),
            "rmdir a symlink" => g.Rmdir("link"),
            "rmdir dot" => g.Rmdir("."),
            "unlink a directory" => g.Unlink("empty"),
            "unlink file with trailing slash" => g.Unlink("f.txt/"),
            "unlink missing" => g.Unlink("nope"),
            "rename file onto directory" => g.Rename("f.txt", "empty"),
            "rename directory onto non-empty" => g.Rename("empty", "d"),
            "rename file with trailing slash" => g.Rename("f.txt/", "g.txt"),
            "link onto existing" => g.Link("f.txt", "d/inner.txt"),
            "link a directory" => g.Link("d", "d2"),
            "symlink onto existing" => g.Symlink("x", "f.txt"),
            "symlink empty target" => g.Symlink("", "new-link"),
            "symlink new path with trailing slash" => g.Symlink("f.txt", "new-link/"),
            "readlink a file" => g.Readlink("f.txt", 64, out _),
            "stat missing" => g.Stat("nope"),
            "stat unknown lookupflags" => g.Stat("f.txt", (Lookupflags)4),
            "stat file with trailing slash" => g.Stat("f.txt/"),
            "set times atim and atim_now" => g.SetTimes("f.txt", 1, 1, Fstflags.Atim | Fstflags.AtimNow),
            "create without path_create_directory" => CreateWithoutRight(g),
            _ => throw new ArgumentException(name),
        };
        Assert.Equal(expected, errno);
        Assert.Empty(g.Tree.Snapshot().DiffFrom(before));
        Assert.All(g.Fixture.Bytes(GuestFs.OutFd, 4), b => Assert.Equal(S, b));
    }

    private static Errno OpenThroughFile(GuestFs g)
    {
        Assert.Equal(Errno.Success, g.Open("f.txt", out var fd));
        g.Fixture.Memory.Bytes.AsSpan((int)GuestFs.OutFd, 4).Fill(S);
        return g.Open("x", out _, dir: fd);
    }

    private static Errno OpenInvalidUtf8(GuestFs g)
    {
        g.Fixture.Put(GuestFs.PathA, [0x66, 0xFF, 0x66]);
        return g.Host.PathOpen(g.Fixture.View, GuestFs.Grant, 1, GuestFs.PathA, 3, 0, (ulong)Rights.FdRead, 0, 0, GuestFs.OutFd);
    }

    private static Errno CreateWithoutRight(GuestFs g)
    {
        Assert.Equal(Errno.Success, g.Host.FdFdstatSetRights(g.Fixture.View, GuestFs.Grant, (ulong)(FileRights.DirectoryBase & ~Rights.PathCreateDirectory), (ulong)FileRights.DirectoryInheriting));
        return g.Mkdir("new");
    }

    [Fact]
    public void PathOpen_Creat_CreatesTheFileAndReturnsTheLowestFreeFd()
    {
        using var g = Make();

        Assert.Equal(Errno.Success, g.Open("new.txt", out var fd, Oflags.Creat | Oflags.Excl));

        Assert.Equal(4, fd);
        Assert.Equal(new byte[] { 4, 0, 0, 0, S }, g.Fixture.Bytes(GuestFs.OutFd, 5));
        Assert.True(File.Exists(g.Tree.InGrant("new.txt")));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("d")]
    public void PathOpen_DirectoryWithItsOwnRights_GivesADirectoryFd(string path)
    {
        // What a program does that reopens a directory with the rights fd_fdstat_get reported for it (oflags 0): Wasmtime
        // gives a directory descriptor; write access is asked for by fd_write alone, which a directory's rights lack.
        using var g = Make();
        var len = g.Put(GuestFs.PathA, path);

        var errno = g.Host.PathOpen(g.Fixture.View, GuestFs.Grant, 0, GuestFs.PathA, len, 0,
            (ulong)FileRights.DirectoryBase, (ulong)FileRights.DirectoryInheriting, 0, GuestFs.OutFd);

        Assert.Equal(Errno.Success, errno);
        var fd = (int)g.Fixture.U32(GuestFs.OutFd);
        Assert.Equal(Errno.Success, g.Host.FdFdstatGet(g.Fixture.View, fd, 0x3000));
        Assert.Equal((byte)Filetype.Directory, g.Fixture.Bytes(0x3000, 1)[0]);
    }

    [Fact]
    public void PathOpen_Trunc_EmptiesTheFile()
    {
        using var g = Make();
        Assert.Equal(Errno.Success, g.Open("f.txt", out _, Oflags.Trunc));
        Assert.Equal(0, new FileInfo(g.Tree.InGrant("f.txt")).Length);
    }

    [Fact]
    public void PathOpen_RightsAreIntersectedWithTheDirectorysInheritingRights()
    {
        using var g = Make();
        Assert.Equal(Errno.Success, g.Host.FdFdstatSetRights(g.Fixture.View, GuestFs.Grant, (ulong)FileRights.DirectoryBase, (ulong)(FileRights.DirectoryInheriting & ~Rights.FdWrite)));

        Assert.Equal(Errno.Success, g.Open("f.txt", out var fd, rights: Rights.FdRead | Rights.FdWrite));

        Assert.Equal(Errno.Success, g.Host.FdFdstatGet(g.Fixture.View, fd, 0x3000));
        Assert.Equal((ulong)Rights.FdRead, g.Fixture.U64(0x3008));
        Assert.Equal(Errno.Notcapable, g.Write(fd, "x"));
        Assert.Equal("content", File.ReadAllText(g.Tree.InGrant("f.txt")));
    }

    [Fact]
    public void PathOpen_MaxOpenFiles_ReturnsMfileAndCreatesNothing()
    {
        using var g = new GuestFs(maxOpenFiles: 5);
        Assert.Equal(Errno.Success, g.Open("a", out _, Oflags.Creat));

        Assert.Equal(Errno.Mfile, g.Open("b", out _, Oflags.Creat));

        Assert.True(g.Fixture.Context.Quotas.OpenFilesLimitHit);
        Assert.False(File.Exists(g.Tree.InGrant("b")));
    }

    [Fact]
    public void PathOpen_BadOpenedFdPointer_TrapsBeforeCreating()
    {
        using var g = Make();
        var len = g.Put(GuestFs.PathA, "created.txt");

        Assert.Throws<WasiTrap>(() => g.Host.PathOpen(g.Fixture.View, GuestFs.Grant, 1, GuestFs.PathA, len, (uint)Oflags.Creat, (ulong)Rights.All, 0, 0, 0x1001));

        Assert.False(File.Exists(g.Tree.InGrant("created.txt")));
    }

    private delegate Errno PathCall(WasiHost host, GuestMemory memory, uint ptr, uint len);

    /// <summary>Every path_* call, with the path under test as its (first) path; a second path is "x" at <see cref="Other"/>.</summary>
    private static readonly Dictionary<string, PathCall> PathCalls = new()
    {
        ["path_create_directory"] = (h, m, p, l) => h.PathCreateDirectory(m, GuestFs.Grant, p, l),
        ["path_filestat_get"] = (h, m, p, l) => h.PathFilestatGet(m, GuestFs.Grant, 0, p, l, 0x200),
        ["path_filestat_set_times"] = (h, m, p, l) => h.PathFilestatSetTimes(m, GuestFs.Grant, 0, p, l, 0, 0, 0),
        ["path_link"] = (h, m, p, l) => h.PathLink(m, GuestFs.Grant, 0, p, l, GuestFs.Grant, Other, 1),
        ["path_link new"] = (h, m, p, l) => h.PathLink(m, GuestFs.Grant, 0, Other, 1, GuestFs.Grant, p, l),
        ["path_open"] = (h, m, p, l) => h.PathOpen(m, GuestFs.Grant, 0, p, l, (uint)Oflags.Creat, (ulong)GuestFs.ReadWrite, (ulong)GuestFs.ReadWrite, 0, 0x200),
        ["path_readlink"] = (h, m, p, l) => h.PathReadlink(m, GuestFs.Grant, p, l, 0x200, 16, 0x300),
        ["path_remove_directory"] = (h, m, p, l) => h.PathRemoveDirectory(m, GuestFs.Grant, p, l),
        ["path_rename"] = (h, m, p, l) => h.PathRename(m, GuestFs.Grant, p, l, GuestFs.Grant, Other, 1),
        ["path_rename new"] = (h, m, p, l) => h.PathRename(m, GuestFs.Grant, Other, 1, GuestFs.Grant, p, l),
        ["path_symlink"] = (h, m, p, l) => h.PathSymlink(m, p, l, GuestFs.Grant, Other, 1),
        ["path_symlink new"] = (h, m, p, l) => h.PathSymlink(m, Other, 1, GuestFs.Grant, p, l),
        ["path_unlink_file"] = (h, m, p, l) => h.PathUnlinkFile(m, GuestFs.Grant, p, l),
    };

    private const uint Other = 0x100, LongPath = 0x1000;

    public static TheoryData<string, uint> LongPaths()
    {
        var data = new TheoryData<string, uint>();
        foreach (var call in PathCalls.Keys)
            foreach (var len in new uint[] { 4096, int.MaxValue, 0x8000_0000, uint.MaxValue - LongPath })
                data.Add(call, len);
        return data;
    }

    /// <summary>A path of PATH_MAX bytes or more is refused before it is decoded: 2 GiB once ended in OutOfMemoryException.</summary>
    [Theory]
    [MemberData(nameof(LongPaths))]
    public void PathCalls_PathOfPathMaxBytesOrMore_ReturnNametoolong(string call, uint len)
    {
        using var g = Make();
        using var memory = new LargeMemory();
        var before = g.Tree.Snapshot();
        memory.View().WriteU8(Other, (byte)'x');

        Assert.Equal(Errno.Nametoolong, PathCalls[call](g.Host, memory.View(), LongPath, len));

        Assert.Empty(g.Tree.Snapshot().DiffFrom(before));
    }

    [Fact]
    public void PathCreateDirectory_LongPathPastTheEndOfMemory_Traps()
    {
        using var g = Make();
        Assert.Throws<WasiTrap>(() => g.Host.PathCreateDirectory(g.Fixture.View, GuestFs.Grant, 0xF000, 0x2000));
    }

    [Fact]
    public void PathOpen_DotAndDirectory_OpensADirectoryFd()
    {
        using var g = Make();
        Assert.Equal(Errno.Success, g.Open(".", out var fd, Oflags.Directory));
        Assert.Equal(Errno.Success, g.Open("d/inner.txt", out var inner, dir: fd));
        Assert.Equal(Errno.Success, g.Read(inner, 64, out var text));
        Assert.Equal("inner", text);
    }

    [Fact]
    public void PathCreateRemoveDirectory_RoundTrip()
    {
        using var g = Make();
        Assert.Equal(Errno.Success, g.Mkdir("new/"));
        Assert.True(Directory.Exists(g.Tree.InGrant("new")));
        Assert.Equal(Errno.Success, g.Rmdir("new"));
        Assert.False(Directory.Exists(g.Tree.InGrant("new")));
    }

    [Fact]
    public void PathUnlinkFile_ASymlink_RemovesTheLinkNotItsTarget()
    {
        using var g = Make();
        Assert.Equal(Errno.Success, g.Unlink("link"));
        Assert.False(File.Exists(g.Tree.InGrant("link")));
        Assert.True(File.Exists(g.Tree.InGrant("f.txt")));
    }

    [Fact]
    public void PathRenameAndLink_MoveAndAliasFiles()
    {
        using var g = Make();
        Assert.Equal(Errno.Success, g.Rename("f.txt", "d/moved.txt"));
        Assert.Equal("content", File.ReadAllText(g.Tree.InGrant("d/moved.txt")));
        Assert.Equal(Errno.Success, g.Link("d/moved.txt", "alias.txt"));
        Assert.Equal("content", File.ReadAllText(g.Tree.InGrant("alias.txt")));
        Assert.Equal(Errno.Success, g.Stat("alias.txt"));
        Assert.Equal(2ul, g.Fixture.U64(GuestFs.Buffer + 24));
    }

    [Fact]
    public void PathSymlinkThenReadlink_ExactBytesNoNul()
    {
        using var g = Make();
        Assert.Equal(Errno.Success, g.Symlink("d/inner.txt", "new-link"));

        Assert.Equal(Errno.Success, g.Readlink("new-link", 64, out var target));

        Assert.Equal("d/inner.txt", target);
        Assert.Equal(11u, g.Fixture.U32(GuestFs.OutFd));
        Assert.Equal(S, g.Fixture.Bytes(GuestFs.Buffer + 11, 1)[0]);
    }

    [Theory]
    [InlineData(0u, "")]
    [InlineData(3u, "d/i")]
    [InlineData(11u, "d/inner.txt")]
    public void PathReadlink_ShortBuffer_Truncates(uint bufLen, string expected)
    {
        using var g = Make();
        Assert.Equal(Errno.Success, g.Symlink("d/inner.txt", "new-link"));

        Assert.Equal(Errno.Success, g.Readlink("new-link", bufLen, out var target));

        Assert.Equal(expected, target);
        Assert.Equal(bufLen, g.Fixture.U32(GuestFs.OutFd));
        Assert.Equal(S, g.Fixture.Bytes(GuestFs.Buffer + bufLen, 1)[0]);
    }

    [Fact]
    public void PathFilestatGet_FollowsOnlyWithTheFlag()
    {
        using var g = Make();
        Assert.Equal(Errno.Success, g.Stat("link", Lookupflags.None));
        Assert.Equal(Filetype.SymbolicLink, g.StatType);
        Assert.Equal(5ul, g.Fixture.U64(GuestFs.Buffer + 32));
        Assert.Equal(Errno.Success, g.Stat("link"));
        Assert.Equal(Filetype.RegularFile, g.StatType);
        Assert.Equal(7ul, g.Fixture.U64(GuestFs.Buffer + 32));
        Assert.Equal(Errno.Success, g.Stat("d/"));
        Assert.Equal(Filetype.Directory, g.StatType);
    }

    [Fact]
    public void PathFilestatSetTimes_ExactNanosecondsThroughAFollowedSymlink()
    {
        using var g = Make();
        const ulong mtim = 1_650_000_000_000_000_123;

        Assert.Equal(Errno.Success, g.SetTimes("link", 0, mtim, Fstflags.Mtim));

        Assert.Equal(Errno.Success, g.Stat("f.txt"));
        Assert.Equal(mtim, g.Fixture.U64(GuestFs.Buffer + 48));
        Assert.Equal(Errno.Success, g.SetTimes("link", 0, 5_000_000_000, Fstflags.Mtim, Lookupflags.None));
        Assert.Equal(Errno.Success, g.Stat("f.txt"));
        Assert.Equal(mtim, g.Fixture.U64(GuestFs.Buffer + 48));
    }

    [Fact]
    public void PathOpen_NonAsciiName_RoundTripsAsUtf8()
    {
        using var g = Make();
        Assert.Equal(Errno.Success, g.Open("naïve-文件.txt", out _, Oflags.Creat));
        Assert.True(File.Exists(g.Tree.InGrant("naïve-文件.txt")));
        Assert.Equal(Errno.Success, g.Readlink("link", 64, out var t));
        Assert.Equal("f.txt", Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(t)));
    }
}
