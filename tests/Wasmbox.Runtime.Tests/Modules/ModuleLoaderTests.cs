using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Modules;

namespace Wasmbox.Runtime.Tests.Modules;

public class ModuleLoaderTests
{
    private static EngineEntry DefaultEngine => Sandbox.EngineFor(SandboxPolicy.DenyAll);

    [Fact]
    public void Load_SecondTime_ComesFromCache()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.Path);
        using (var first = ModuleLoader.Load(Guests.C("hello"), DefaultEngine, cache)) Assert.False(first.FromCache);
        using (var second = ModuleLoader.Load(Guests.C("hello"), DefaultEngine, cache)) Assert.True(second.FromCache);
        Assert.Single(Directory.GetFiles(tmp.Path, "*.cwasm"));
    }

    /// <summary>A warm start of an unchanged module reads neither the module nor its artifact in full (the cache's memos).</summary>
    [Fact]
    public void Load_WarmStart_ReadsNeitherFileInFull()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.Path, new SettledClock());
        ModuleLoader.Load(Guests.C("hello"), DefaultEngine, cache).Dispose(); // hashes the module, compiles
        ModuleLoader.Load(Guests.C("hello"), DefaultEngine, cache).Dispose(); // verifies the new entry once
        Assert.Equal(2, cache.FullReads);

        using var warm = ModuleLoader.Load(Guests.C("hello"), DefaultEngine, cache);
        Assert.True(warm.FromCache);
        Assert.Equal(2, cache.FullReads);
    }

    [Fact]
    public void Load_DifferentEngineSettings_UseDifferentEntries()
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.Path);
        ModuleLoader.Load(Guests.C("hello"), DefaultEngine, cache).Dispose();
        var fuelEngine = EngineRegistry.Get(new EngineSettings(Fuel: true, Epoch: false));
        using var withFuel = ModuleLoader.Load(Guests.C("hello"), fuelEngine, cache);
        Assert.False(withFuel.FromCache);
        Assert.Equal(2, Directory.GetFiles(tmp.Path, "*.cwasm").Length);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("garbage")]
    public void Run_CorruptCacheEntry_IsRecompiledAndReplaced(string damage)
    {
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.Path);
        Assert.Equal(0, GuestRun.Of(Guests.C("hello"), cache: cache).Outcome.ExitStatus);
        var entry = Assert.Single(Directory.GetFiles(tmp.Path, "*.cwasm"));
        var good = File.ReadAllBytes(entry);
        var bad = damage switch
        {
            "flip" => FlipByte(good, good.Length / 3),
            "truncate" => good[..(good.Length / 2)],
            _ => System.Text.Encoding.ASCII.GetBytes("not an artifact at all"),
        };
        File.WriteAllBytes(entry, bad);

        var run = GuestRun.Of(Guests.C("hello"), cache: cache);

        Assert.Equal("hello from wasmbox\n", run.Stdout);
        Assert.Equal(RunOutcome.Exited(0), run.Outcome);
        Assert.Equal(good, File.ReadAllBytes(entry));
    }

    private static byte[] FlipByte(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0xFF;
        return copy;
    }

    [Fact]
    public void Run_MissingFile_IsReadModuleFailure()
    {
        var run = GuestRun.Of("/no/such/module.wasm");
        AssertSetupFailure(run, SetupStage.ReadModule, "no such file");
    }

    [Fact]
    public void Run_Directory_IsReadModuleFailure()
    {
        using var tmp = new TempDir();
        AssertSetupFailure(GuestRun.Of(tmp.Path), SetupStage.ReadModule, "cannot read module");
    }

    [Fact]
    public void Run_RandomBytes_IsNotWasm()
    {
        using var tmp = new TempDir();
        var path = tmp.File("random.wasm");
        File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray());
        AssertSetupFailure(GuestRun.Of(path), SetupStage.Compile, "not a WebAssembly module");
    }

    [Fact]
    public void Run_TruncatedWasm_IsInvalidModule()
    {
        using var tmp = new TempDir();
        var path = tmp.File("cut.wasm");
        var bytes = File.ReadAllBytes(Guests.C("hello"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        AssertSetupFailure(GuestRun.Of(path), SetupStage.Compile, "not a valid WebAssembly module");
    }

    [Fact]
    public void Run_ComponentBinary_IsRefusedByName()
    {
        using var tmp = new TempDir();
        var path = tmp.File("component.wasm");
        File.WriteAllBytes(path, [0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00]);
        AssertSetupFailure(GuestRun.Of(path), SetupStage.Compile, "component");
    }

    [Fact]
    public void Run_InvalidWat_IsRefused()
    {
        using var tmp = new TempDir();
        var path = tmp.Write("bad.wat", "(module (func $f (i32.add)))x");
        AssertSetupFailure(GuestRun.Of(path), SetupStage.Compile, "not valid WebAssembly text");
    }

    [Theory]
    [InlineData("no_start", "exports no _start")]
    [InlineData("reactor", "reactor")]
    [InlineData("unknown_import", "env.host_magic")]
    public void Run_NotAWasiCommand_IsLinkFailure(string guest, string expected) =>
        AssertSetupFailure(GuestRun.Of(Guests.Wat(guest)), SetupStage.Link, expected);

    private static void AssertSetupFailure(GuestRun run, SetupStage stage, string expected)
    {
        Assert.Equal(OutcomeKind.SetupFailed, run.Outcome.Kind);
        Assert.Equal(stage, run.Outcome.Stage);
        Assert.Equal(125, run.Outcome.ExitStatus);
        Assert.Contains(expected, run.Outcome.Message);
        Assert.DoesNotContain('\n', run.Outcome.Message);
        Assert.Equal("", run.Stdout);
    }
}
