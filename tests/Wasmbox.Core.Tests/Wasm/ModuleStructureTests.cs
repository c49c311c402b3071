using Wasmbox.Core.Wasm;
using Wasmtime;

namespace Wasmbox.Core.Tests.Wasm;

/// <summary>Rewritten modules keep their indices, sections and behaviour.</summary>
public class ModuleStructureTests
{
    /// <summary>
    /// memory.grow in a start function, in nested block/loop/if arms, behind br_table and
    /// call_indirect through a table filled by an element segment, plus a data segment and a
    /// name section (the $names make ConvertText emit one).
    /// </summary>
    private const string ControlFlowModule = """
        (module $m
          (type $t (func (param i32) (result i32)))
          (memory $mem 1 8)
          (data (i32.const 0) "\2a\00\00\00")
          (global $started (mut i32) (i32.const 0))
          (table 3 funcref)
          (elem (i32.const 0) $grow_by $size_plus $grow_twice)
          (start $init)
          (func $init (global.set $started (memory.grow (i32.const 1))))
          (func $grow_by (type $t) (memory.grow (local.get 0)))
          (func $size_plus (type $t) (i32.add (memory.size) (local.get 0)))
          (func $grow_twice (type $t)
            (i32.add (memory.grow (local.get 0)) (memory.grow (local.get 0))))
          (func $nested (export "run") (result i32)
            (local $n i32) (local $acc i32)
            (local.set $n (i32.const 12))
            (block $exit
              (loop $top
                (br_if $exit (i32.eqz (local.get $n)))
                (if (i32.and (local.get $n) (i32.const 1))
                  (then
                    (local.set $acc (i32.add (local.get $acc) (memory.grow (i32.const 1)))))
                  (else
                    (block $c
                      (block $b
                        (block $a
                          (br_table $a $b $c (i32.rem_u (local.get $n) (i32.const 3))))
                        (local.set $acc (i32.add (local.get $acc)
                          (call_indirect (type $t) (i32.const 1) (i32.const 0))))
                        (br $c))
                      (local.set $acc (i32.add (local.get $acc)
                        (call_indirect (type $t) (i32.const 2) (i32.const 2)))))))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $top)))
            (i32.add
              (i32.mul (local.get $acc) (i32.const 1000))
              (i32.add (i32.mul (global.get $started) (i32.const 100))
                (i32.add (memory.size) (i32.load (i32.const 0)))))))
        """;

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(64)]
    public void ControlFlowTablesStartDataAndNamesBehaveTheSame(int capPages)
    {
        var original = WasmTestHost.Wat(ControlFlowModule);
        var instrumented = WasmTestHost.MustInstrument(original);
        Assert.Equal(5, instrumented.GrowSitesReplaced);

        var (expected, actual, refused) = WasmTestHost.RunBoth(original, "run", capPages * 65536L);
        Assert.Equal(expected, actual);
        Assert.True(refused > 0, $"expected refusals under a {capPages}-page cap (the declared maximum is 8 pages)");
    }

    [Fact]
    public void CustomSectionsAreCopiedUnchanged()
    {
        var original = WasmTestHost.Wat(ControlFlowModule);
        var instrumented = WasmTestHost.MustInstrument(original);

        var before = CustomSections(original);
        Assert.Contains(before, s => s.Name == "name");
        Assert.Equal(before, CustomSections(instrumented.Bytes));
    }

    [Fact]
    public void ExistingIndicesAndExportsAreKept()
    {
        var original = WasmTestHost.Wat("""
            (module
              (import "env" "f" (func $f (param i32)))
              (import "env" "g" (global $g i32))
              (type $unused (func (param f64)))
              (memory 1)
              (global $h (mut i32) (i32.const 5))
              (func (export "run") (result i32)
                (call $f (i32.const 1))
                (i32.add (global.get $g) (i32.add (global.get $h) (memory.grow (i32.const 1)))))
              (export "h" (global $h)))
            """);
        var instrumented = WasmTestHost.MustInstrument(original);
        var layout = WasmModuleLayout.Read(instrumented.Bytes);
        var before = WasmModuleLayout.Read(original);

        Assert.Equal(before.TypeCount + 1, layout.TypeCount);
        Assert.Equal(before.DefinedFunctionCount + 1, layout.DefinedFunctionCount);
        Assert.Equal(before.DefinedGlobalCount + 2, layout.DefinedGlobalCount);
        Assert.Superset(before.ExportNames, layout.ExportNames);

        var called = 0;
        void Define(Linker linker, Store store)
        {
            linker.Define("env", "f", Function.FromCallback(store, (int x) => { called += x; }));
            linker.Define("env", "g", new Global(store, ValueKind.Int32, 100, Mutability.Immutable));
        }

        var (expected, actual, refused) = WasmTestHost.RunBoth(original, "run", WasmTestHost.OneMiB, Define);
        Assert.Equal("returned 106", expected);
        Assert.Equal(expected, actual);
        Assert.Equal(0, refused);
        Assert.Equal(2, called);

        using var host = WasmTestHost.Start(instrumented.Bytes, null, Define);
        Assert.Equal(5, Convert.ToInt32(host.Instance.GetGlobal("h")!.GetValue()));
    }

    [Fact]
    public void ImportedMemoryIsInstrumented()
    {
        var original = WasmTestHost.Wat("""
            (module
              (import "env" "mem" (memory 1))
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
            """);
        var instrumented = WasmTestHost.MustInstrument(original);
        Assert.Equal(1, instrumented.GrowSitesReplaced);

        using var host = WasmTestHost.Start(instrumented.Bytes, WasmTestHost.OneMiB, (linker, store) =>
            linker.Define("env", "mem", new Memory(store, 1)));
        var grow = host.IntToInt("grow");
        Assert.Equal(1, grow(10));
        Assert.Equal(-1, grow(10));
        Assert.Equal(1, host.RefusedCount);
        Assert.Equal(10u, host.LargestRefusedDelta);
    }

    [Fact]
    public void ModuleWithoutMemoryIsSkipped()
    {
        var original = WasmTestHost.Wat("(module (func (export \"f\") (result i32) i32.const 1))");
        var result = WasmGrowInstrumenter.Instrument(original);

        Assert.False(result.Instrumented);
        Assert.Contains("no linear memory", result.SkipReason);
        Assert.Equal(original, result.Bytes);
    }

    [Fact]
    public void Memory64IsSkipped()
    {
        var original = WasmTestHost.Wat("""
            (module
              (memory i64 1)
              (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))
            """);
        Assert.Null(Wasmtime.Module.Validate(WasmTestHost.Engine, original));
        var result = WasmGrowInstrumenter.Instrument(original);

        Assert.False(result.Instrumented);
        Assert.Contains("memory64", result.SkipReason);
        Assert.Equal(original, result.Bytes);
    }

    [Fact]
    public void OnlyMemoryZeroIsHookedInMultiMemoryModules()
    {
        var original = WasmTestHost.Wat("""
            (module
              (memory $a 1)
              (memory $b i64 1)
              (memory $c 1)
              (func (export "run") (result i32)
                (if (i32.eqz (memory.size $a)) ;; never taken: only here to carry a 64-bit memarg offset
                  (then (i64.store $b offset=0x100000000 (i64.const 0) (i64.const 7))))
                (i64.store $b offset=8 (i64.const 0) (i64.const 7))
                (drop (memory.grow $c (i32.const 1)))
                (drop (memory.grow $b (i64.const 100)))
                (i32.add
                  (i32.add (memory.grow $a (i32.const 100)) (memory.grow $c (i32.const 100)))
                  (i32.wrap_i64 (i64.add (memory.size $b) (i64.load $b offset=8 (i64.const 0)))))))
            """);
        var instrumented = WasmTestHost.MustInstrument(original);
        Assert.Equal(1, instrumented.GrowSitesReplaced);

        var (expected, actual, refused) = WasmTestHost.RunBoth(original, "run", 2 * WasmTestHost.OneMiB);
        Assert.Equal(expected, actual);
        Assert.Equal(1, refused);
    }

    [Fact]
    public void ModuleWithOnlyAMemoryGetsEverySection()
    {
        var original = WasmTestHost.Wat("(module (memory 1))");
        var instrumented = WasmTestHost.MustInstrument(original);

        Assert.Equal(0, instrumented.GrowSitesReplaced);
        using var host = WasmTestHost.Start(instrumented.Bytes, WasmTestHost.OneMiB);
        Assert.Equal(0, host.RefusedCount);
        Assert.Equal(0u, host.LargestRefusedDelta);
    }

    [Fact]
    public void NewSectionsGoBetweenLeadingAndTrailingCustomSections()
    {
        byte[] original =
        [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
            0x00, 0x06, 0x05, (byte)'f', (byte)'i', (byte)'r', (byte)'s', (byte)'t', // custom "first"
            0x05, 0x03, 0x01, 0x00, 0x01, // (memory 1)
            0x00, 0x05, 0x04, (byte)'l', (byte)'a', (byte)'s', (byte)'t', // custom "last"
        ];
        var instrumented = WasmTestHost.MustInstrument(original);
        var sections = WasmModuleLayout.Read(instrumented.Bytes).Sections;

        Assert.Equal(
            [WasmSectionId.Custom, WasmSectionId.Type, WasmSectionId.Function, WasmSectionId.Memory,
             WasmSectionId.Global, WasmSectionId.Export, WasmSectionId.Code, WasmSectionId.Custom],
            sections.Select(s => s.Id));
        Assert.Equal(CustomSections(original), CustomSections(instrumented.Bytes));
    }

    [Fact]
    public void NameSectionStaysLastWhenSectionsAreCreated()
    {
        var original = WasmTestHost.Wat("(module $m (memory $mem 1) (data (i32.const 0) \"x\"))");
        var instrumented = WasmTestHost.MustInstrument(original);
        var sections = WasmModuleLayout.Read(instrumented.Bytes).Sections;

        Assert.Equal(WasmSectionId.Custom, sections[^1].Id);
        Assert.Equal(WasmSectionId.Data, sections[^2].Id);
        Assert.Equal(CustomSections(original), CustomSections(instrumented.Bytes));
    }

    [Fact]
    public void TakenExportNameIsSkipped()
    {
        var original = WasmTestHost.Wat("""
            (module (memory 1) (global (export "__wasmbox_grow_refused") i32 (i32.const 0)))
            """);
        var result = WasmGrowInstrumenter.Instrument(original);

        Assert.False(result.Instrumented);
        Assert.Contains("__wasmbox_grow_refused", result.SkipReason);
    }

    [Fact]
    public void InstrumentingTwiceIsRefused()
    {
        var once = WasmTestHost.MustInstrument(WasmTestHost.Wat("(module (memory 1))"));
        var twice = WasmGrowInstrumenter.Instrument(once.Bytes);
        Assert.False(twice.Instrumented);
        Assert.Contains("already exports", twice.SkipReason);
    }

    private static List<(string Name, string Content)> CustomSections(byte[] module)
    {
        var layout = WasmModuleLayout.Read(module);
        var result = new List<(string, string)>();
        foreach (var section in layout.Sections.Where(s => s.Id == WasmSectionId.Custom))
        {
            var reader = new WasmBinaryReader(module.AsSpan(section.ContentStart, section.ContentLength));
            var name = reader.ReadName();
            result.Add((name, Convert.ToHexString(module, section.ContentStart, section.ContentLength)));
        }

        return result;
    }
}
