using System.Text;
using Wasmbox.Core.Wasm;

namespace Wasmbox.Core.Tests.Wasm;

/// <summary>
/// A module of about 2 MB with every common instruction family is instrumented at every grow site and stays valid.
/// How long that takes is measured in bench/ (BenchmarkDotNet), not asserted here.
/// </summary>
public class BigModuleTests
{
    [Fact]
    public void Instrument_TwoMegabyteModule_ReplacesEveryGrowSiteAndValidates()
    {
        var module = WasmTestHost.Wat(GenerateBigModule(functions: 12000));
        Assert.InRange(module.Length, 1_800_000, 3_000_000);

        var result = WasmGrowInstrumenter.Instrument(module);

        Assert.True(result.Instrumented, result.SkipReason);
        Assert.Equal(12000 / 8, result.GrowSitesReplaced);
        Assert.Null(Wasmtime.Module.Validate(WasmTestHost.Engine, result.Bytes));
    }

    /// <summary>Many functions with loads, stores, arithmetic, SIMD, branches and calls; every 8th grows memory.</summary>
    private static string GenerateBigModule(int functions)
    {
        var text = new StringBuilder("(module (memory 1) (type $t (func (param i32) (result i32)))\n");
        for (var i = 0; i < functions; i++)
        {
            text.Append($"(func $f{i} (type $t) (local $x i32) (local $v v128)\n");
            text.Append("  (local.set $x (i32.add (local.get 0) (i32.const 0x12345)))\n");
            text.Append("  (i32.store offset=64 (i32.and (local.get $x) (i32.const 1023)) (i32.mul (local.get $x) (i32.const 31)))\n");
            text.Append("  (local.set $v (v128.load offset=16 align=4 (i32.const 32)))\n");
            text.Append("  (local.set $v (i32x4.add (local.get $v) (v128.const i32x4 64 0 64 0)))\n");
            text.Append("  (v128.store (i32.const 128) (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))\n");
            text.Append("  (block $b (loop $l\n");
            text.Append("    (br_if $b (i32.ge_u (local.get $x) (i32.const 0x12400)))\n");
            text.Append("    (local.set $x (i32.add (local.get $x) (i32.load8_u offset=3 (local.get 0))))\n");
            text.Append("    (br_table $b $l $b (i32.and (local.get $x) (i32.const 3)))))\n");
            text.Append("  (f64.store (i32.const 256) (f64.mul (f64.const 1.5) (f64.convert_i32_s (local.get $x))))\n");
            if (i % 8 == 0)
            {
                text.Append("  (drop (memory.grow (i32.const 0)))\n");
            }

            text.Append(i > 0 ? $"  (call $f{i - 1} (local.get $x)))\n" : "  (local.get $x))\n");
        }

        text.Append("(export \"f\" (func $f0)))");
        return text.ToString();
    }
}
