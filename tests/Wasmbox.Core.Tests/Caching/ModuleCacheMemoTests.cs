using System.Security.Cryptography;
using Wasmbox.Core.Caching;

namespace Wasmbox.Core.Tests.Caching;

/// <summary>
/// The memos that spare a warm start from reading the module and the artifact in full: they must spare it (counted by
/// <see cref="ModuleCache.FullReads"/>), and they must never vouch for a file written since, nor be forgeable.
/// </summary>
public class ModuleCacheMemoTests
{
    private static readonly byte[] Key = ModuleCache.Key("abc", "engine-1", CompileSite.Host);
    private static readonly byte[] Artifact = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public void TryGet_UnchangedEntry_IsReadInFullOnlyOnce_EvenByAnotherInstance()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.File("cache"), new SettledClock());
        var path = cache.Put(Key, Artifact);

        Assert.Equal(path, cache.TryGet(Key));
        Assert.Equal(1, cache.FullReads);
        Assert.Equal(path, cache.TryGet(Key));
        Assert.Equal(1, cache.FullReads);

        var nextRun = new ModuleCache(cache.Directory, new SettledClock());
        Assert.Equal(path, nextRun.TryGet(Key));
        Assert.Equal(0, nextRun.FullReads);
    }

    /// <summary>The racy-clean rule: a file changed less than the settle time ago could change again within the same clock tick unseen.</summary>
    [Fact]
    public void TryGet_EntryWrittenJustNow_IsVerifiedEveryTime()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.File("cache"));
        cache.Put(Key, Artifact);

        Assert.NotNull(cache.TryGet(Key));
        Assert.NotNull(cache.TryGet(Key));
        Assert.Equal(2, cache.FullReads);
    }

    /// <summary>
    /// Other code of the same size written over a verified entry, its mtime then set back (<c>touch -d</c>): the ctime
    /// moved, so the memo no longer matches, the entry is read, fails its HMAC and is deleted.
    /// </summary>
    [Fact]
    public void TryGet_EntryRewrittenInPlace_WithSizeAndMtimeKept_IsDetected()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.File("cache"), new SettledClock());
        var path = cache.Put(Key, Artifact)!;
        Assert.NotNull(cache.TryGet(Key));
        var before = StampOf(path);
        SettledClock.WaitForNextTick();

        OverwriteInPlace(path, 100, 0xCC);
        TouchBack(path, before);
        var after = StampOf(path);
        Assert.Equal(before with { ChangedNs = 0 }, after with { ChangedNs = 0 }); // only the ctime tells

        Assert.Null(cache.TryGet(Key));
        Assert.Equal(2, cache.FullReads);
        Assert.False(File.Exists(path));
    }

    /// <summary>Someone who can write the folder but not read the secret tampers with an entry and writes a memo for its new stamp.</summary>
    [Fact]
    public void TryGet_TamperedEntryWithMemoForgedWithoutTheSecret_IsDetected()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.File("cache"), new SettledClock());
        var path = cache.Put(Key, Artifact)!;
        Assert.NotNull(cache.TryGet(Key));
        SettledClock.WaitForNextTick();

        OverwriteInPlace(path, 100, 0xCC);
        var payload = Key.Concat(StampOf(path).ToBytes()).ToArray();
        var memo = Path.ChangeExtension(path, ".verified");
        Assert.True(File.Exists(memo));
        File.WriteAllBytes(memo, payload.Concat(SHA256.HashData(payload)).ToArray());

        Assert.Null(new ModuleCache(cache.Directory, new SettledClock()).TryGet(Key));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Sha256Of_UnchangedModule_IsHashedOnlyOnce_EvenByAnotherInstance()
    {
        using var tmp = new TempDir();
        var module = tmp.File("m.wasm");
        File.WriteAllBytes(module, Artifact);
        var cache = new ModuleCache(tmp.File("cache"), new SettledClock());
        var expected = Convert.ToHexStringLower(SHA256.HashData(Artifact));

        Assert.Equal(expected, Sha256Of(cache, module));
        Assert.Equal(expected, Sha256Of(cache, module));
        Assert.Equal(1, cache.FullReads);
        var nextRun = new ModuleCache(cache.Directory, new SettledClock());
        Assert.Equal(expected, Sha256Of(nextRun, module));
        Assert.Equal(0, nextRun.FullReads);
    }

    /// <summary>The module is the user's file: rewritten in place or replaced, the next run must hash what is there now.</summary>
    [Theory]
    [InlineData("in-place, size and mtime kept")]
    [InlineData("replaced by rename")]
    public void Sha256Of_ModuleChangedSinceTheMemo_IsHashedAgain(string change)
    {
        using var tmp = new TempDir();
        var module = tmp.File("m.wasm");
        File.WriteAllBytes(module, Artifact);
        var cache = new ModuleCache(tmp.File("cache"), new SettledClock());
        Sha256Of(cache, module);
        SettledClock.WaitForNextTick();

        var changed = Artifact.ToArray();
        changed[100] ^= 0xFF;
        if (change.StartsWith("in-place", StringComparison.Ordinal))
        {
            var before = StampOf(module);
            OverwriteInPlace(module, 100, changed[100]);
            TouchBack(module, before);
            Assert.Equal(before with { ChangedNs = 0 }, StampOf(module) with { ChangedNs = 0 });
        }
        else
        {
            File.WriteAllBytes(tmp.File("new.wasm"), changed);
            File.Move(tmp.File("new.wasm"), module, overwrite: true);
        }

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(changed)), Sha256Of(cache, module));
        Assert.Equal(2, cache.FullReads);
    }

    private static string Sha256Of(ModuleCache cache, string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
        return cache.Sha256Of(file);
    }

    private static FileStamp StampOf(string path)
    {
        using var file = File.OpenHandle(path);
        return FileStamp.Of(file) ?? throw new InvalidOperationException("statx gave no stamp");
    }

    /// <summary><c>touch -d</c> with the nanoseconds of the old mtime (.NET's DateTime keeps only 100 ns ticks).</summary>
    private static void TouchBack(string path, FileStamp before)
    {
        var at = $"@{before.ModifiedNs / 1_000_000_000}.{before.ModifiedNs % 1_000_000_000:D9}";
        using var touch = System.Diagnostics.Process.Start("touch", ["-m", "-d", at, path]);
        touch.WaitForExit();
        Assert.Equal(0, touch.ExitCode);
    }

    private static void OverwriteInPlace(string path, long offset, byte value)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Position = offset;
        file.WriteByte(value);
    }
}
