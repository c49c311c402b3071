using Wasmbox.Core.Caching;
using Wasmbox.Core.Policy;
using Wasmbox.Launch.Modules;

namespace Wasmbox.Launch.Tests;

/// <summary>What the parent does before every run: hash the module, find its verified artifact.</summary>
public class ModulePreparationTests
{
    /// <summary>
    /// Issue 9: a warm start costs what mapping the artifact costs, so the parent reads neither the module nor the
    /// artifact in full once both are remembered; a rewritten module is hashed again and finds the other entry.
    /// </summary>
    [Fact]
    public void Prepare_WarmStart_ReadsNeitherFileInFull_AndARewrittenModuleIsHashedAgain()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the compile worker is started the Linux way; this is not Linux");
        using var tmp = new TempDir();
        var module = tmp.File("hello.wasm");
        File.Copy(Guests.C("hello"), module);
        var cache = new ModuleCache(tmp.File("cache"), new SettledClock());
        var policy = SandboxPolicy.DenyAll with { Isolation = IsolationTier.None };
        ModulePreparation.Prepared Prepare() =>
            ModulePreparation.Prepare(module, policy, IsolationTier.None, cache, TestContext.Current.CancellationToken);

        var compiled = Prepare();
        Assert.Null(compiled.Failure);
        Assert.True(Prepare().FromCache); // verifies the new entry once
        Assert.Equal(2, cache.FullReads);
        var warm = Prepare();
        Assert.True(warm.FromCache);
        Assert.Equal(compiled.Sha256, warm.Sha256);
        Assert.Equal(2, cache.FullReads);

        SettledClock.WaitForNextTick();
        using (var file = new FileStream(module, FileMode.Append)) file.Write([0, 1, 0]); // a custom section with an empty name: the same program, other bytes
        var rewritten = Prepare();
        Assert.Null(rewritten.Failure);
        Assert.NotEqual(compiled.Sha256, rewritten.Sha256);
        Assert.False(rewritten.FromCache);
    }

    [Fact]
    public void Prepare_UnknownImport_RefusedBeforeCompilingAndNothingCached()
    {
        // Issue 10: a module no sandbox can link was compiled (seconds for a large one, its artifact written to the cache)
        // before WasiCommandCheck refused it; its import section alone says so.
        if (!OperatingSystem.IsLinux()) Assert.Skip("the compile worker is started the Linux way; this is not Linux");
        using var tmp = new TempDir();
        var module = tmp.File("needs-env.wasm");
        File.WriteAllBytes(module, Wasmtime.Module.ConvertText(
            """(module (import "env" "host_secret" (func)) (memory (export "memory") 1) (func (export "_start")))"""));
        var cacheDir = tmp.File("cache");
        var cache = new ModuleCache(cacheDir);

        var prepared = ModulePreparation.Prepare(module, SandboxPolicy.DenyAll, IsolationTier.Process, cache,
            TestContext.Current.CancellationToken);

        Assert.NotNull(prepared.Failure);
        Assert.Equal(Core.Outcomes.SetupStage.Link, prepared.Failure.Outcome.Stage);
        Assert.Contains("imports env.host_secret", prepared.Failure.Outcome.Message);
        Assert.Empty(Directory.Exists(cacheDir) ? Directory.GetFiles(cacheDir, "*.cwasm") : []);
    }
}
