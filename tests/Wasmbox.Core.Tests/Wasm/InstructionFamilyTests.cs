namespace Wasmbox.Core.Tests.Wasm;

/// <summary>
/// Runnable modules for each instruction family Wasmtime accepts by default: each validates
/// after instrumentation and returns the same value as the original under the same cap.
/// </summary>
public class InstructionFamilyTests
{
    public static TheoryData<string, string, int> Modules => new()
    {
        {
            "simd", """
            (module
              (memory 1)
              (func (export "run") (result i32)
                (local $v v128)
                (v128.store (i32.const 16) (v128.const i8x16 64 0 64 0 64 0 64 0 1 2 3 4 5 6 7 8))
                (local.set $v (v128.load offset=16 (i32.const 0)))
                (local.set $v (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (local.get $v) (local.get $v)))
                (local.set $v (v128.load8_lane 3 (i32.const 17) (local.get $v)))
                (v128.store32_lane 1 (i32.const 64) (local.get $v))
                (local.set $v (i32x4.add (local.get $v) (i32x4.splat (memory.grow (i32.const 2)))))
                (local.set $v (i8x16.relaxed_swizzle (local.get $v) (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)))
                (local.set $v (f32x4.relaxed_madd (local.get $v) (local.get $v) (local.get $v)))
                (i32.add
                  (i32.add (i32x4.extract_lane 2 (local.get $v)) (i8x16.extract_lane_u 0 (local.get $v)))
                  (i32.add (i32.load (i32.const 64)) (memory.grow (i32.const 100))))))
            """, 2
        },
        {
            "bulk-memory", """
            (module
              (memory 1)
              (data $d "\40\00\40\00wasmbox")
              (table 4 funcref)
              (elem $e func $a $b)
              (func $a (result i32) (i32.const 7))
              (func $b (result i32) (memory.grow (i32.const 1)))
              (func (export "run") (result i32)
                (memory.init $d (i32.const 100) (i32.const 0) (i32.const 11))
                (data.drop $d)
                (memory.copy (i32.const 200) (i32.const 100) (i32.const 11))
                (memory.fill (i32.const 300) (i32.const 0x40) (i32.const 8))
                (table.init 0 $e (i32.const 1) (i32.const 0) (i32.const 2))
                (elem.drop $e)
                (table.copy (i32.const 0) (i32.const 1) (i32.const 2))
                (i32.add
                  (i32.add (call_indirect (result i32) (i32.const 0)) (call_indirect (result i32) (i32.const 2)))
                  (i32.add (i32.load (i32.const 204)) (i32.add (i32.load (i32.const 300)) (memory.grow (i32.const 99)))))))
            """, 2
        },
        {
            "threads", """
            (module
              (memory 1 64)
              (func (export "run") (result i32)
                (i32.atomic.store (i32.const 8) (i32.const 5))
                (drop (i32.atomic.rmw.add (i32.const 8) (memory.grow (i32.const 3))))
                (atomic.fence)
                (drop (i32.atomic.rmw.cmpxchg (i32.const 8) (i32.const 6) (i32.const 64)))
                (drop (memory.atomic.notify (i32.const 8) (i32.const 1)))
                (i32.add (i32.atomic.load (i32.const 8)) (i32.add (i32.wrap_i64 (i64.atomic.load32_u offset=8 (i32.const 0))) (memory.grow (i32.const 50))))))
            """, 2
        },
        {
            "reference-types", """
            (module
              (memory 1)
              (type $t (func (result i32)))
              (table $tab 1 funcref)
              (func $g (type $t) (memory.grow (i32.const 1)))
              (elem declare func $g)
              (func (export "run") (result i32)
                (local $r funcref)
                (local.set $r (ref.func $g))
                (drop (table.grow $tab (local.get $r) (i32.const 3)))
                (table.set $tab (i32.const 0) (ref.null func))
                (table.fill $tab (i32.const 1) (ref.func $g) (i32.const 2))
                (i32.add
                  (i32.add (ref.is_null (table.get $tab (i32.const 0))) (table.size $tab))
                  (i32.add (call_indirect $tab (type $t) (i32.const 2))
                    (select (result i32) (memory.grow (i32.const 200)) (i32.const 9) (i32.const 1))))))
            """, 2
        },
        {
            "tail-calls", """
            (module
              (memory 1)
              (type $t (func (param i32 i32) (result i32)))
              (table 1 funcref)
              (elem (i32.const 0) $loop)
              (func $loop (type $t)
                (if (result i32) (i32.eqz (local.get 0))
                  (then (local.get 1))
                  (else
                    (return_call_indirect (type $t)
                      (i32.sub (local.get 0) (i32.const 1))
                      (i32.add (local.get 1) (memory.grow (i32.const 4)))
                      (i32.const 0)))))
              (func (export "run") (result i32) (return_call $loop (i32.const 6) (i32.const 0))))
            """, 1
        },
        {
            "exceptions", """
            (module
              (memory 1)
              (tag $oom (param i32))
              (func $try_grow (param i32) (result i32)
                (local $r i32)
                (local.set $r (memory.grow (local.get 0)))
                (if (i32.eq (local.get $r) (i32.const -1)) (then (throw $oom (local.get 0))))
                (local.get $r))
              (func (export "run") (result i32)
                (local $sum i32)
                (local.set $sum (call $try_grow (i32.const 2)))
                (block $caught (result i32)
                  (try_table (result i32) (catch $oom $caught)
                    (call $try_grow (i32.const 1000)))
                  (return))
                (i32.add (local.get $sum))))
            """, 1
        },
        {
            "gc-and-function-references", """
            (module
              (memory 1)
              (type $box (struct (field (mut i32))))
              (type $bytes (array (mut i8)))
              (type $fn (func (param i32) (result i32)))
              (func $grow (type $fn) (memory.grow (local.get 0)))
              (elem declare func $grow)
              (func (export "run") (result i32)
                (local $b (ref null $box))
                (local $a (ref null $bytes))
                (local.set $b (struct.new $box (call_ref $fn (i32.const 1) (ref.func $grow))))
                (local.set $a (array.new $bytes (i32.const 0x40) (i32.const 4)))
                (struct.set $box 0 (local.get $b)
                  (i32.add (struct.get $box 0 (local.get $b)) (array.get_u $bytes (local.get $a) (i32.const 2))))
                (block $null
                  (br_on_null $null (local.get $b))
                  (drop))
                (i32.add
                  (i32.add (struct.get $box 0 (ref.as_non_null (local.get $b))) (array.len (local.get $a)))
                  (i32.add (i31.get_s (ref.i31 (i32.const -3)))
                    (call_ref $fn (i32.const 1000) (ref.cast (ref $fn) (ref.func $grow)))))))
            """, 1
        },
        {
            "wide-arithmetic", """
            (module
              (memory 1)
              (func (export "run") (result i32)
                (local $lo i64) (local $hi i64)
                (i64.mul_wide_u (i64.const -1) (i64.extend_i32_u (memory.grow (i32.const 1))))
                (local.set $hi) (local.set $lo)
                (i64.add128 (local.get $lo) (local.get $hi) (i64.const 1) (i64.const 0))
                (local.set $hi) (local.set $lo)
                (i32.wrap_i64 (i64.add (local.get $hi) (i64.extend_i32_s (memory.grow (i32.const 1000)))))))
            """, 2
        },
    };

    [Theory]
    [MemberData(nameof(Modules))]
    public void FamilyValidatesAndBehavesTheSame(string family, string wat, int growSites)
    {
        var original = WasmTestHost.Wat(wat);
        Assert.Null(Wasmtime.Module.Validate(WasmTestHost.Engine, original));
        var instrumented = WasmTestHost.MustInstrument(original);
        Assert.Equal(growSites, instrumented.GrowSitesReplaced);

        var (expected, actual, refused) = WasmTestHost.RunBoth(original, "run", WasmTestHost.OneMiB);
        Assert.StartsWith("returned", expected);
        Assert.Equal(expected, actual);
        Assert.True(refused >= 1, $"{family}: the last growth of each module exceeds the 1 MiB cap");
    }

    [Fact]
    public void SharedMemoryModuleValidatesAfterInstrumentation()
    {
        // The default engine validates shared memories but cannot instantiate them
        // (Config::shared_memory is off), so this one is only validated.
        var original = WasmTestHost.Wat("""
            (module
              (memory 1 64 shared)
              (func (export "run") (result i32)
                (atomic.fence)
                (drop (memory.atomic.wait32 (i32.const 0) (i32.const 1) (i64.const 0)))
                (i32.atomic.rmw.add (i32.const 8) (memory.grow (i32.const 3)))))
            """);
        Assert.Null(Wasmtime.Module.Validate(WasmTestHost.Engine, original));
        Assert.Equal(1, WasmTestHost.MustInstrument(original).GrowSitesReplaced);
    }
}
