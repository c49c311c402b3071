using Wasmbox.Core.Wasm;

namespace Wasmbox.Core.Tests.Wasm;

/// <summary>The shape limits refuse what no real program needs, name the dimension, and let ordinary modules through.</summary>
public class ModuleShapeTests
{
    private static readonly ModuleShapeLimits Small = ModuleShapeLimits.Default with { MaxFunctions = 1000, MaxNesting = 50 };

    [Fact]
    public void Check_ManyFunctions_RefusedNamingTheCount()
    {
        var e = Assert.Throws<ModuleTooLargeException>(() => ModuleShape.Check(HostileModules.ManyEmptyFunctions(1001), Small));
        Assert.Contains("1,001 functions", e.Message);
        Assert.Contains("1,000", e.Message);
    }

    [Fact]
    public void Check_FunctionsAtTheLimit_Pass() => ModuleShape.Check(HostileModules.ManyEmptyFunctions(1000), Small);

    [Fact]
    public void Check_DeepNesting_RefusedNamingTheDepth()
    {
        var e = Assert.Throws<ModuleTooLargeException>(() => ModuleShape.Check(HostileModules.DeepNesting(51), Small));
        Assert.Contains("nests blocks 51 deep", e.Message);
    }

    [Fact]
    public void Check_NestingAtTheLimit_Passes() => ModuleShape.Check(HostileModules.DeepNesting(50), Small);

    [Fact]
    public void Check_DefaultLimits_RefuseNestingBeyondAHundredThousand() =>
        Assert.Throws<ModuleTooLargeException>(() => ModuleShape.Check(HostileModules.DeepNesting(100_001), ModuleShapeLimits.Default));

    /// <summary>Go's compiler nests one block per resume point: esbuild 0.27 nests 3,232 deep, and must compile.</summary>
    [Fact]
    public void Check_DefaultLimits_AcceptGoSizedNesting() => ModuleShape.Check(HostileModules.DeepNesting(10_000), ModuleShapeLimits.Default);

    [Fact]
    public void Check_TooManyLocals_Refused()
    {
        // One function declaring 2 groups of 30,000 i32 locals: 60,000 > 50,000.
        byte[] body = [0x02, 0xB0, 0xEA, 0x01, 0x7F, 0xB0, 0xEA, 0x01, 0x7F, 0x0B];
        var module = ReplaceOnlyBody(HostileModules.ManyEmptyFunctions(1), body);
        var e = Assert.Throws<ModuleTooLargeException>(() => ModuleShape.Check(module, ModuleShapeLimits.Default));
        Assert.Contains("locals", e.Message);
    }

    [Fact]
    public void Check_MalformedBytes_LeavesTheVerdictToTheValidator()
    {
        ModuleShape.Check([0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x0A, 0xFF], ModuleShapeLimits.Default);
        ModuleShape.Check([1, 2, 3], ModuleShapeLimits.Default);
    }

    [Fact]
    public void Check_EveryCommittedGuest_Passes()
    {
        foreach (var wasm in Directory.GetFiles(Path.Combine(Guests.RepoRoot, "tests", "guests"), "*.wasm", SearchOption.AllDirectories))
            ModuleShape.Check(File.ReadAllBytes(wasm), ModuleShapeLimits.Default);
    }

    /// <summary>The generated one-function module with its code section's single body replaced.</summary>
    private static byte[] ReplaceOnlyBody(byte[] module, byte[] body)
    {
        // The code section is last: id 10, size, count 1, body size 2, body [00 0B].
        var codeStart = Array.LastIndexOf(module, (byte)0x0A, module.Length - 5);
        var head = module[..codeStart];
        var content = new List<byte> { 0x01, (byte)body.Length };
        content.AddRange(body);
        return [.. head, 0x0A, (byte)content.Count, .. content];
    }
}
