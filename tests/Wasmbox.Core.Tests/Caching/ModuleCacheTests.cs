using Wasmbox.Core.Caching;

namespace Wasmbox.Core.Tests.Caching;

public class ModuleCacheTests
{
    private static readonly byte[] Key = ModuleCache.Key("abc", "engine-1");
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
        Assert.NotEqual(Convert.ToHexString(ModuleCache.Key("abc", "engine-1")), Convert.ToHexString(ModuleCache.Key("abd", "engine-1")));
        Assert.NotEqual(Convert.ToHexString(ModuleCache.Key("abc", "engine-1")), Convert.ToHexString(ModuleCache.Key("abc", "engine-2")));
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
                var other = ModuleCache.Key("other", "engine-1");
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
