using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Tests.Fs;

/// <summary>
/// Every mutating call into a read-only grant is refused with EPERM before it reaches the host, and nothing changes.
/// fd 4 is the read-only grant; it holds <c>f.txt</c> and <c>d/</c>.
/// </summary>
public sealed class ReadOnlyGrantTests
{
    private static GuestFs Make()
    {
        var g = new GuestFs(withReadOnly: true);
        File.WriteAllText(Path.Combine(g.Tree.ReadOnlyGrant, "f.txt"), "read only");
        Directory.CreateDirectory(Path.Combine(g.Tree.ReadOnlyGrant, "d"));
        File.WriteAllText(g.Tree.InGrant("rw.txt"), "rw");
        return g;
    }

    private const int Ro = GuestFs.ReadOnly;

    private static int OpenReadOnlyFile(GuestFs g)
    {
        Assert.Equal(Errno.Success, g.Open("f.txt", out var fd, rights: GuestFs.ReadOnlyRights, dir: Ro));
        return fd;
    }

    /// <summary>
    /// Go's runtime opens every file asking for every right but fd_write (fd_filestat_set_size, fd_datasync and
    /// fd_allocate included), read-only opens too; Wasmtime opens it, and so must a read-only grant.
    /// </summary>
    private const Rights GoReadOnlyRights = Rights.All & ~Rights.FdWrite;

    private static int OpenAsGo(GuestFs g)
    {
        Assert.Equal(Errno.Success, g.Open("f.txt", out var fd, rights: GoReadOnlyRights, dir: Ro));
        return fd;
    }

    private static readonly Dictionary<string, Func<GuestFs, Errno>> Cases = new()
    {
        ["path_open for write"] = g => g.Open("f.txt", out _, rights: Rights.FdRead | Rights.FdWrite, dir: Ro),
        ["path_open creat"] = g => g.Open("new.txt", out _, Oflags.Creat, GuestFs.ReadOnlyRights, dir: Ro),
        ["path_open trunc"] = g => g.Open("f.txt", out _, Oflags.Trunc, GuestFs.ReadOnlyRights, dir: Ro),
        ["path_open append"] = g => g.Open("f.txt", out _, rights: GuestFs.ReadOnlyRights, fdflags: Fdflags.Append, dir: Ro),
        ["path_open creat through a subdirectory fd"] = g =>
        {
            Assert.Equal(Errno.Success, g.Open("d", out var sub, Oflags.Directory, GuestFs.ReadOnlyRights, dir: Ro));
            return g.Open("new.txt", out _, Oflags.Creat, GuestFs.ReadOnlyRights, dir: sub);
        },
        ["path_create_directory"] = g => g.Mkdir("new", Ro),
        ["path_remove_directory"] = g => g.Rmdir("d", Ro),
        ["path_unlink_file"] = g => g.Unlink("f.txt", Ro),
        ["path_rename inside"] = g => g.Rename("f.txt", "g.txt", Ro, Ro),
        ["path_rename out of"] = g => g.Rename("f.txt", "stolen.txt", Ro, GuestFs.Grant),
        ["path_rename into"] = g => g.Rename("rw.txt", "planted.txt", GuestFs.Grant, Ro),
        ["path_link out of"] = g => g.Link("f.txt", "writable-alias.txt", fromDir: Ro, toDir: GuestFs.Grant),
        ["path_link into"] = g => g.Link("rw.txt", "planted.txt", fromDir: GuestFs.Grant, toDir: Ro),
        ["path_symlink"] = g => g.Symlink("f.txt", "link", Ro),
        ["path_filestat_set_times"] = g => g.SetTimes("f.txt", 1, 1, Fstflags.Atim | Fstflags.Mtim, dir: Ro),
        ["fd_filestat_set_times on the grant"] = g => g.Host.FdFilestatSetTimes(g.Fixture.View, Ro, 1, 1, (uint)(Fstflags.Atim | Fstflags.Mtim)),
        ["fd_write"] = g => g.Write(OpenReadOnlyFile(g), "x"),
        ["fd_pwrite"] = g =>
        {
            var fd = OpenReadOnlyFile(g);
            g.Fixture.PutU32(GuestFs.Iovs, GuestFs.Buffer);
            g.Fixture.PutU32(GuestFs.Iovs + 4, 1);
            return g.Host.FdPwrite(g.Fixture.View, fd, GuestFs.Iovs, 1, 0, GuestFs.OutFd);
        },
        ["fd_allocate"] = g => g.Host.FdAllocate(g.Fixture.View, OpenReadOnlyFile(g), 0, 100),
        ["fd_filestat_set_size"] = g => g.Host.FdFilestatSetSize(g.Fixture.View, OpenReadOnlyFile(g), 0),
        ["fd_filestat_set_size through a descriptor opened with Go's rights"] = g =>
            g.Host.FdFilestatSetSize(g.Fixture.View, OpenAsGo(g), 0),
        ["fd_allocate through a descriptor opened with Go's rights"] = g => g.Host.FdAllocate(g.Fixture.View, OpenAsGo(g), 0, 100),
        ["fd_filestat_set_times"] = g => g.Host.FdFilestatSetTimes(g.Fixture.View, OpenReadOnlyFile(g), 1, 1, (uint)(Fstflags.Atim | Fstflags.Mtim)),
    };

    public static TheoryData<string> Table() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Table))]
    public void ReadOnlyGrant_MutatingCall_ReturnsPermAndChangesNothing(string name)
    {
        using var g = Make();
        var before = g.Tree.Snapshot();
        var roTimes = Directory.GetLastWriteTimeUtc(g.Tree.ReadOnlyGrant);

        var errno = Cases[name](g);

        Assert.Equal(Errno.Perm, errno);
        Assert.Contains("read-only grant", g.Host.LastRefusal);
        // The audit trail has it: the call, the reason, the errno the guest got.
        var audit = g.Fixture.Context.Refusals.Snapshot();
        Assert.Equal(1, audit.Total);
        Assert.Equal("perm", audit.Kept[0].Errno);
        Assert.Contains("read-only grant", audit.Kept[0].Reason);
        Assert.StartsWith(audit.Kept[0].Call, g.Host.LastRefusal);
        Assert.Empty(g.Tree.Snapshot().DiffFrom(before));
        Assert.Equal(roTimes, Directory.GetLastWriteTimeUtc(g.Tree.ReadOnlyGrant));
    }

    [Fact]
    public void ReadOnlyGrant_Reading_Works()
    {
        using var g = Make();
        var fd = OpenReadOnlyFile(g);

        Assert.Equal(Errno.Success, g.Read(fd, 64, out var text));
        Assert.Equal("read only", text);
        Assert.Equal(Errno.Success, g.Stat("d", dir: Ro));
        Assert.Equal(Errno.Success, g.Open("d", out _, Oflags.Directory, GuestFs.ReadOnlyRights, dir: Ro));
        Assert.Equal(Errno.Success, g.Read(OpenAsGo(g), 64, out var again));
        Assert.Equal("read only", again);
        Assert.Null(g.Host.LastRefusal);
    }
}
