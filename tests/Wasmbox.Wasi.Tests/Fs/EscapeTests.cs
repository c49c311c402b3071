using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs;

namespace Wasmbox.Wasi.Tests.Fs;

/// <summary>
/// Each case tries one way out of the grant and asserts both the errno and that nothing on the host changed (nsjail's
/// path_containment_test: no side effect happened). Every case runs twice: through openat2 and through the O_NOFOLLOW
/// component walk that replaces it where openat2 is missing.
/// </summary>
public sealed class EscapeTests
{
    /// <summary>Host-side set-up shared by the cases: symlinks the host planted in the grant, pointing out.</summary>
    private static void Plant(TempTree tree)
    {
        Directory.CreateDirectory(tree.InGrant("sub"));
        File.WriteAllText(tree.InGrant("a.txt"), "a");
        File.CreateSymbolicLink(tree.InGrant("abs-dir-link"), tree.Outside);
        File.CreateSymbolicLink(tree.InGrant("rel-dir-link"), "../outside");
        File.CreateSymbolicLink(tree.InGrant("abs-file-link"), Path.Combine(tree.Outside, "secret.txt"));
        File.CreateSymbolicLink(tree.InGrant("sub/deep-rel-link"), "../../outside/secret.txt");
        File.CreateSymbolicLink(tree.InGrant("proc-link"), "/proc/self/root");
        File.CreateSymbolicLink(tree.InGrant("loop-a"), "loop-b");
        File.CreateSymbolicLink(tree.InGrant("loop-b"), "loop-a");
    }

    private static readonly Dictionary<string, (Func<GuestFs, Errno> Call, Errno Expected)> Cases = new()
    {
        ["open ../outside/secret.txt"] = (g => g.Open("../outside/secret.txt", out _), Errno.Notcapable),
        ["open sub/../../outside/secret.txt"] = (g => g.Open("sub/../../outside/secret.txt", out _), Errno.Notcapable),
        ["open .. chain"] = (g => g.Open("sub/../sub/../../../../../../etc/passwd", out _), Errno.Notcapable),
        ["open creat ../outside/new.txt"] = (g => g.Open("../outside/new.txt", out _, Oflags.Creat), Errno.Notcapable),
        ["open absolute /etc/passwd"] = (g => g.Open("/etc/passwd", out _), Errno.Notcapable),
        ["open absolute into the grant"] = (g => g.Open(g.Tree.InGrant("a.txt"), out _), Errno.Notcapable),
        ["open through absolute dir symlink"] = (g => g.Open("abs-dir-link/secret.txt", out _), Errno.Notcapable),
        ["open through relative dir symlink"] = (g => g.Open("rel-dir-link/secret.txt", out _), Errno.Notcapable),
        ["open creat through dir symlink"] = (g => g.Open("rel-dir-link/new.txt", out _, Oflags.Creat), Errno.Notcapable),
        ["open absolute file symlink"] = (g => g.Open("abs-file-link", out _), Errno.Notcapable),
        ["open nested relative file symlink"] = (g => g.Open("sub/deep-rel-link", out _), Errno.Notcapable),
        ["open trunc through file symlink"] = (g => g.Open("abs-file-link", out _, Oflags.Trunc), Errno.Notcapable),
        ["open magic link"] = (g => g.Open("proc-link/etc/passwd", out _), Errno.Notcapable),
        ["open directory .."] = (g => g.Open("..", out _, Oflags.Directory), Errno.Notcapable),
        ["open symlink loop"] = (g => g.Open("loop-a", out _), Errno.Loop),
        ["mkdir ../outside/d"] = (g => g.Mkdir("../outside/d"), Errno.Notcapable),
        ["mkdir through dir symlink"] = (g => g.Mkdir("abs-dir-link/d"), Errno.Notcapable),
        ["unlink ../outside/secret.txt"] = (g => g.Unlink("../outside/secret.txt"), Errno.Notcapable),
        ["unlink through dir symlink"] = (g => g.Unlink("rel-dir-link/secret.txt"), Errno.Notcapable),
        ["rmdir ../outside"] = (g => g.Rmdir("../outside"), Errno.Notcapable),
        ["rmdir .."] = (g => g.Rmdir(".."), Errno.Notcapable),
        ["rename out of the grant"] = (g => g.Rename("a.txt", "../outside/a.txt"), Errno.Notcapable),
        ["rename into the grant"] = (g => g.Rename("../outside/secret.txt", "stolen.txt"), Errno.Notcapable),
        ["rename through dir symlink"] = (g => g.Rename("a.txt", "abs-dir-link/a.txt"), Errno.Notcapable),
        ["link out of the grant"] = (g => g.Link("a.txt", "../outside/a.txt"), Errno.Notcapable),
        ["link outside file in"] = (g => g.Link("../outside/secret.txt", "stolen.txt"), Errno.Notcapable),
        ["link followed file symlink in"] = (g => g.Link("abs-file-link", "stolen.txt", Lookupflags.SymlinkFollow), Errno.Notcapable),
        ["symlink with absolute target"] = (g => g.Symlink("/etc/passwd", "evil"), Errno.Notcapable),
        ["symlink created outside"] = (g => g.Symlink("a.txt", "../outside/evil"), Errno.Notcapable),
        ["stat ../outside/secret.txt"] = (g => g.Stat("../outside/secret.txt"), Errno.Notcapable),
        ["stat .."] = (g => g.Stat(".."), Errno.Notcapable),
        ["stat followed file symlink"] = (g => g.Stat("abs-file-link"), Errno.Notcapable),
        ["set times on .."] = (g => g.SetTimes("..", 1, 1, Fstflags.Atim | Fstflags.Mtim), Errno.Notcapable),
        ["set times through followed symlink"] = (g => g.SetTimes("abs-file-link", 1, 1, Fstflags.Atim | Fstflags.Mtim), Errno.Notcapable),
        ["set times through nested relative symlink"] = (g => g.SetTimes("sub/deep-rel-link", 1, 1, Fstflags.Atim | Fstflags.Mtim), Errno.Notcapable),
        ["readlink through dir symlink"] = (g => g.Readlink("abs-dir-link/x", 64, out _), Errno.Notcapable),
        ["NUL byte in path"] = (g => g.Open("a.txt\0/../../outside/secret.txt", out _), Errno.Inval),
        ["NUL byte in mkdir"] = (g => g.Mkdir("new\0dir"), Errno.Inval),
    };

    public static TheoryData<string, bool> Table()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in Cases.Keys)
        {
            data.Add(name, false);
            data.Add(name, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Escape_Attempt_IsRefusedAndHostUnchanged(string name, bool fallback)
    {
        using var g = new GuestFs(fallback);
        Plant(g.Tree);
        var before = g.Tree.Snapshot();

        var errno = Cases[name].Call(g);

        Assert.Equal(Cases[name].Expected, errno);
        Assert.Empty(g.Tree.Snapshot().DiffFrom(before));
        Assert.Equal(fallback, BeneathResolver.UsesFallback);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Escape_RefusedByPolicy_RecordsTheReason(bool fallback)
    {
        using var g = new GuestFs(fallback);
        Plant(g.Tree);

        Assert.Equal(Errno.Notcapable, g.Open("abs-dir-link/secret.txt", out _));

        Assert.Contains("leads outside", g.Host.TakeRefusal());
        Assert.Null(g.Host.LastRefusal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Symlink_GuestCreatedPointingOutside_CannotBeFollowed(bool fallback)
    {
        using var g = new GuestFs(fallback);
        var outsideBefore = HostSnapshot.Of(g.Tree.Outside);

        Assert.Equal(Errno.Success, g.Symlink("../outside", "evil"));
        Assert.Equal(Errno.Success, g.Symlink("../outside/secret.txt", "evil-file"));

        Assert.Equal(Errno.Notcapable, g.Open("evil/secret.txt", out _));
        Assert.Equal(Errno.Notcapable, g.Open("evil-file", out _, rights: GuestFs.ReadWrite));
        Assert.Equal(Errno.Notcapable, g.Open("evil/new.txt", out _, Oflags.Creat));
        Assert.Equal(Errno.Notcapable, g.Mkdir("evil/d"));
        Assert.Equal(Errno.Notcapable, g.Stat("evil-file"));
        Assert.Equal(Errno.Notcapable, g.Link("evil-file", "hard", Lookupflags.SymlinkFollow));
        Assert.Empty(HostSnapshot.Of(g.Tree.Outside).DiffFrom(outsideBefore));
        // The link itself may be read and removed: it lives in the grant.
        Assert.Equal(Errno.Success, g.Readlink("evil", 64, out var target));
        Assert.Equal("../outside", target);
        Assert.Equal(Errno.Success, g.Unlink("evil"));
    }

    /// <summary>
    /// path_filestat_get stats the entry first and resolves again only when it is a symlink (no readlinkat per stat):
    /// a chain of final symlinks must still be followed hop by hop beneath the grant, and one that ends outside refused.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Stat_FollowedChainOfFinalSymlinks_EndsAtTheFileInside_OrIsRefusedOutside(bool fallback)
    {
        using var g = new GuestFs(fallback);
        File.WriteAllText(g.Tree.InGrant("target.txt"), "twelve bytes");
        File.CreateSymbolicLink(g.Tree.InGrant("c2"), "target.txt");
        File.CreateSymbolicLink(g.Tree.InGrant("c1"), "c2");
        File.CreateSymbolicLink(g.Tree.InGrant("e2"), "../outside/secret.txt");
        File.CreateSymbolicLink(g.Tree.InGrant("e1"), "e2");
        File.CreateSymbolicLink(g.Tree.InGrant("loop-a"), "loop-b");
        File.CreateSymbolicLink(g.Tree.InGrant("loop-b"), "loop-a");

        Assert.Equal(Errno.Success, g.Stat("c1"));
        Assert.Equal(Filetype.RegularFile, g.StatType);
        Assert.Equal(12ul, g.Fixture.U64(GuestFs.Buffer + 32));
        Assert.Equal(Errno.Notcapable, g.Stat("e1"));
        Assert.Contains("leads outside", g.Host.TakeRefusal());
        Assert.Equal(Errno.Loop, g.Stat("loop-a"));
        // Without the flag each link is the answer itself, the escaping one and the loop included.
        Assert.Equal(Errno.Success, g.Stat("e1", Lookupflags.None));
        Assert.Equal(Filetype.SymbolicLink, g.StatType);
        Assert.Equal(Errno.Success, g.Stat("loop-a", Lookupflags.None));
        Assert.Equal(Filetype.SymbolicLink, g.StatType);
        Assert.Equal(Errno.Notdir, g.Stat("c1/"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Symlinks_InsideTheGrant_AreFollowed(bool fallback)
    {
        using var g = new GuestFs(fallback);
        Directory.CreateDirectory(g.Tree.InGrant("sub/deeper"));
        File.WriteAllText(g.Tree.InGrant("sub/deeper/f.txt"), "inside");
        File.CreateSymbolicLink(g.Tree.InGrant("sub/up"), "..");
        File.CreateSymbolicLink(g.Tree.InGrant("to-deeper"), "sub/deeper");
        File.CreateSymbolicLink(g.Tree.InGrant("sub/deeper/back"), "../../sub/deeper/f.txt");

        Assert.Equal(Errno.Success, g.Open("sub/up/to-deeper/f.txt", out var fd1));
        Assert.Equal(Errno.Success, g.Read(fd1, 64, out var text));
        Assert.Equal("inside", text);
        Assert.Equal(Errno.Success, g.Open("to-deeper/back", out _));
        Assert.Equal(Errno.Success, g.Open("sub/../sub/./deeper/../deeper/f.txt", out _));
        Assert.Equal(Errno.Success, g.Stat("to-deeper/back"));
        Assert.Equal(Filetype.RegularFile, g.StatType);
        Assert.Equal(Errno.Success, g.Stat("to-deeper/back", Lookupflags.None));
        Assert.Equal(Filetype.SymbolicLink, g.StatType);
        Assert.Equal(Errno.Success, g.Open("to-deeper/new.txt", out _, Oflags.Creat));
        Assert.True(File.Exists(g.Tree.InGrant("sub/deeper/new.txt")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DirectoryReplacedBySymlink_BetweenCalls_StaysInside(bool fallback)
    {
        using var g = new GuestFs(fallback);
        Directory.CreateDirectory(g.Tree.InGrant("sub"));
        File.WriteAllText(g.Tree.InGrant("sub/f.txt"), "old");
        Assert.Equal(Errno.Success, g.Open("sub", out var subFd, Oflags.Directory));

        // The host swaps the directory for a symlink to the outside between two guest calls.
        Directory.Move(g.Tree.InGrant("sub"), g.Tree.InGrant("sub.old"));
        File.CreateSymbolicLink(g.Tree.InGrant("sub"), g.Tree.Outside);
        var before = g.Tree.Snapshot();

        // Through the old descriptor: the directory it was opened on (now sub.old), never the symlink's target.
        Assert.Equal(Errno.Success, g.Open("f.txt", out var fd, dir: subFd));
        Assert.Equal(Errno.Success, g.Read(fd, 64, out var text));
        Assert.Equal("old", text);
        Assert.Equal(Errno.Noent, g.Open("secret.txt", out _, dir: subFd));
        Assert.Equal(Errno.Notcapable, g.Open("../outside/secret.txt", out _, dir: subFd));
        // By path through the preopen: the symlink now leads out and is refused.
        Assert.Equal(Errno.Notcapable, g.Open("sub/secret.txt", out _));
        Assert.Equal(Errno.Notcapable, g.Open("sub/new.txt", out _, Oflags.Creat));
        Assert.Equal(Errno.Notcapable, g.Unlink("sub/secret.txt"));
        Assert.Empty(g.Tree.Snapshot().DiffFrom(before));
    }

    [Fact]
    public void Fallback_WhenForced_IsUsedOnThisThreadOnly()
    {
        using var g = new GuestFs(fallback: true);
        Assert.True(BeneathResolver.UsesFallback);
        var other = true;
        var thread = new Thread(() => other = BeneathResolver.ForceFallback);
        thread.Start();
        thread.Join();
        Assert.False(other);
    }
}
