using Wasmbox.Core.Caching;

namespace Wasmbox.Core.Tests.Caching;

public class ModuleCacheTests
{
    private static readonly byte[] Key = ModuleCache.Key("abc", "engine-1", CompileSite.Host);
    private static readonly byte[] Artifact = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();

    [Fact]
    public void PutThenTryGet_ReturnsPathWithArtifactAndTrailer()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.File("cache"));
        var written = cache.Put(Key, Artifact);
        var found = cache.TryGet(Key);
        Assert.Equal(written, found);
        Assert.Equal(Artifact, File.ReadAllBytes(found!).AsSpan(0, Artifact.Length).ToArray());
        Assert.Empty(Directory.GetFiles(cache.Directory, "*.tmp"));
    }

    [Fact]
    public void Key_DependsOnModuleAndEngine()
    {
        Assert.NotEqual(Convert.ToHexString(ModuleCache.Key("abc", "engine-1", CompileSite.Host)), Convert.ToHexString(ModuleCache.Key("abd", "engine-1", CompileSite.Host)));
        Assert.NotEqual(Convert.ToHexString(ModuleCache.Key("abc", "engine-1", CompileSite.Host)), Convert.ToHexString(ModuleCache.Key("abc", "engine-2", CompileSite.Host)));
    }

    [Fact]
    public void Key_DependsOnCompileSite() =>
        Assert.NotEqual(Convert.ToHexString(ModuleCache.Key("abc", "engine-1", CompileSite.Host)), Convert.ToHexString(ModuleCache.Key("abc", "engine-1", CompileSite.Jail)));

    /// <summary>
    /// The attack of a guest granted the cache folder: it knows the format and the key, so it rewrites the entry with
    /// other code and a trailer computed the way a plain hash would be. Without the secret the entry does not verify.
    /// </summary>
    [Fact]
    public void TryGet_EntryForgedWithoutTheSecret_IsDeletedAndMissed()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.File("cache"));
        var path = cache.Put(Key, Artifact)!;
        var evil = Enumerable.Repeat((byte)0xCC, Artifact.Length).ToArray();
        var forged = evil
            .Concat(System.Security.Cryptography.SHA256.HashData(evil))
            .Concat(Key).Concat("WBXCACH2"u8.ToArray()).ToArray();
        File.WriteAllBytes(path, forged);

        Assert.Null(cache.TryGet(Key));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void TryGet_EntryOfAnotherCacheSecret_IsMissed()
    {
        using var tmp = new TempDir();
        var mine = new ModuleCache(tmp.File("mine"));
        var theirs = new ModuleCache(tmp.File("theirs"));
        var path = theirs.Put(Key, Artifact)!;
        Directory.CreateDirectory(mine.Directory);
        mine.Put(ModuleCache.Key("warm-up", "e", CompileSite.Host), Artifact); // creates mine's secret
        File.Copy(path, mine.PathFor(Key));

        Assert.Null(mine.TryGet(Key));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Secret_IsCreatedOwnerOnly_InAnOwnerOnlyFolder()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.File("cache"));
        cache.Put(Key, Artifact);
        var secret = Path.Combine(cache.Directory, "secret.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(cache.Directory));
        Assert.Equal(32, new FileInfo(secret).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cache.PathFor(Key)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Secret_ReadableByOthers_IsNotTrusted_AndNothingIsCached()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.File("cache"));
        Directory.CreateDirectory(cache.Directory);
        var secret = Path.Combine(cache.Directory, "secret.key");
        File.WriteAllBytes(secret, new byte[32]);
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        Assert.Null(cache.Put(Key, Artifact));
        Assert.Null(cache.TryGet(Key));
        Assert.Equal(new byte[32], File.ReadAllBytes(secret));
    }

    [Fact]
    public void Overlaps_TheFolderItsAncestorsAndItsInsides_ButNotSiblings()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(Path.Combine(tmp.Path, "home", ".cache", "wasmbox"));
        Directory.CreateDirectory(Path.Combine(cache.Directory, "sub"));
        Directory.CreateDirectory(Path.Combine(tmp.Path, "home", "data"));
        Directory.CreateDirectory(Path.Combine(tmp.Path, "home", ".cache", "wasmboxer"));
        File.CreateSymbolicLink(Path.Combine(tmp.Path, "link-to-cache"), cache.Directory);
        File.CreateSymbolicLink(Path.Combine(tmp.Path, "link-to-home"), Path.Combine(tmp.Path, "home"));

        Assert.True(cache.Overlaps(cache.Directory));
        Assert.True(cache.Overlaps(cache.Directory + "/"));
        Assert.True(cache.Overlaps(Path.Combine(tmp.Path, "home")));
        Assert.True(cache.Overlaps("/"));
        Assert.True(cache.Overlaps(Path.Combine(cache.Directory, "sub")));
        Assert.True(cache.Overlaps(Path.Combine(tmp.Path, "home", "data", "..", ".cache")));
        Assert.True(cache.Overlaps(Path.Combine(tmp.Path, "link-to-cache")));
        Assert.True(cache.Overlaps(Path.Combine(tmp.Path, "link-to-home")));
        Assert.False(cache.Overlaps(Path.Combine(tmp.Path, "home", "data")));
        Assert.False(cache.Overlaps(Path.Combine(tmp.Path, "home", ".cache", "wasmboxer")));
    }

    [Fact]
    public void TryGet_Missing_ReturnsNull()
    {
        using var tmp = new TempDir();
        Assert.Null(new ModuleCache(tmp.File("none")).TryGet(Key));
    }

    public static TheoryData<string> Damage => new() { "truncate", "flip-artifact-byte", "flip-trailer-byte", "empty", "foreign-key" };

    [Theory]
    [MemberData(nameof(Damage))]
    public void TryGet_DamagedEntry_IsDeletedAndMissed(string damage)
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.Path);
        var path = cache.Put(Key, Artifact)!;
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncate": bytes = bytes[..(bytes.Length / 2)]; break;
            case "flip-artifact-byte": bytes[100] ^= 0xFF; break;
            case "flip-trailer-byte": bytes[^40] ^= 0xFF; break;
            case "empty": bytes = []; break;
            case "foreign-key":
                // A whole, valid entry written for another key, renamed into this key's place.
                var other = ModuleCache.Key("other", "engine-1", CompileSite.Host);
                bytes = File.ReadAllBytes(cache.Put(other, Artifact)!);
                break;
        }
        File.WriteAllBytes(path, bytes);

        Assert.Null(cache.TryGet(Key));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Put_UnwritableFolder_ReturnsNullAndLeavesNoTempFile()
    {
        using var tmp = new TempDir();
        var blocker = tmp.Write("file-not-dir", "x");
        var cache = new ModuleCache(Path.Combine(blocker, "cache"));
        Assert.Null(cache.Put(Key, Artifact));
    }

    [Fact]
    public void DefaultDirectory_PrefersXdgCacheHome()
    {
        Assert.Equal("/x/cache/wasmbox", ModuleCache.DefaultDirectory(n => n == "XDG_CACHE_HOME" ? "/x/cache" : "/home/u"));
        Assert.Equal("/home/u/.cache/wasmbox", ModuleCache.DefaultDirectory(n => n == "HOME" ? "/home/u" : null));
        // A relative XDG_CACHE_HOME is invalid per the XDG spec and ignored.
        Assert.Equal("/home/u/.cache/wasmbox", ModuleCache.DefaultDirectory(n => n == "XDG_CACHE_HOME" ? "rel" : "/home/u"));
    }
}
