using Wasmbox.Core.Wasm;

namespace Wasmbox.Core.Tests.Wasm;

/// <summary>
/// Cross-checks the walker's immediates against Wasmtime's own text-to-binary encoder: each
/// instruction is encoded alone in a function followed by one memory.grow, and the walker must
/// find exactly that one site. A wrong immediate length would desynchronise the walk and show
/// up as an unknown opcode, a format error or a wrong site count.
/// </summary>
/// <remarks>
/// These modules are not type-correct (ConvertText does not validate), so they are only
/// instrumented, never compiled; runnable modules per family are in InstructionFamilyTests.
/// </remarks>
public class InstructionEncodingTests
{
    private const string Context = """
        (type $ft (func (param i32) (result i32)))
        (type $s (struct (field (mut i32)) (field (mut i8))))
        (type $arr (array (mut i8)))
        (memory 1)
        (memory $m2 1)
        (table $tab 1 funcref)
        (tag $t (param i32))
        (data $d "x")
        (elem $e func $f)
        (global $g (mut i32) (i32.const 0))
        """;

    public static TheoryData<string> CoreInstructions => new(
        // control
        "unreachable", "nop", "block end", "loop (result i32) i32.const 1 end",
        "if (result i32) i32.const 1 else i32.const 2 end", "if end",
        "block (param i32) (result i32 i32) local.get 0 end", "block (result (ref null $ft)) ref.null $ft end",
        "block (result (ref $s)) unreachable end",
        "br 0", "br_if 0", "br_table 0 0 0", "br_table 0", "return", "call $f", "call_indirect $tab (type $ft)",
        "return_call $f", "return_call_indirect $tab (type $ft)", "call_ref $ft", "return_call_ref $ft",
        "throw $t", "throw_ref",
        "block $l (result exnref) try_table (result i32) (catch $t 1) (catch_ref $t $l) (catch_all 1) (catch_all_ref $l) i32.const 0 end drop end",
        "try_table end",
        // parametric and variables
        "drop", "select", "select (result i32)", "select (result funcref)", "select (result (ref null $s))",
        "local.get 0", "local.set 0", "local.tee 0", "global.get $g", "global.set $g",
        // tables
        "table.get $tab", "table.set $tab", "table.init $tab $e", "elem.drop $e", "table.copy $tab $tab",
        "table.grow $tab", "table.size $tab", "table.fill $tab",
        // memory
        "i32.load", "i64.load", "f32.load", "f64.load", "i32.load8_s", "i32.load8_u", "i32.load16_s", "i32.load16_u",
        "i64.load8_s", "i64.load8_u", "i64.load16_s", "i64.load16_u", "i64.load32_s", "i64.load32_u",
        "i32.store", "i64.store", "f32.store", "f64.store", "i32.store8", "i32.store16", "i64.store8", "i64.store16", "i64.store32",
        "i32.load offset=64 align=1", "i64.load $m2 offset=64", "i64.store32 $m2 offset=4294967295 align=4",
        "memory.size", "memory.size $m2", "memory.grow $m2", "memory.init $d", "memory.init $m2 $d", "data.drop $d",
        "memory.copy", "memory.copy $m2 0", "memory.fill", "memory.fill $m2",
        // numeric
        "i32.const -1", "i32.const 64", "i32.const 0x7fffffff", "i64.const -9223372036854775808", "i64.const 64",
        "f32.const 2.0000153", "f64.const 1e300", "f64.const nan:0x4000000000000",
        "i32.eqz", "i64.ge_u", "f32.ge", "f64.ge", "i32.rotr", "i64.rotr", "f32.copysign", "f64.copysign",
        "i32.wrap_i64", "f64.reinterpret_i64", "i32.extend8_s", "i32.extend16_s", "i64.extend8_s", "i64.extend16_s", "i64.extend32_s",
        "i32.trunc_sat_f32_s", "i32.trunc_sat_f32_u", "i32.trunc_sat_f64_s", "i32.trunc_sat_f64_u",
        "i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u", "i64.trunc_sat_f64_s", "i64.trunc_sat_f64_u",
        "i64.add128", "i64.sub128", "i64.mul_wide_s", "i64.mul_wide_u",
        // references
        "ref.null func", "ref.null extern", "ref.null $ft", "ref.null none", "ref.null exn", "ref.is_null", "ref.func $f",
        "ref.eq", "ref.as_non_null", "br_on_null 0", "br_on_non_null 0",
        // GC
        "struct.new $s", "struct.new_default $s", "struct.get $s 0", "struct.get_s $s 1", "struct.get_u $s 1", "struct.set $s 0",
        "array.new $arr", "array.new_default $arr", "array.new_fixed $arr 3", "array.new_data $arr $d", "array.new_elem $arr $e",
        "array.get_s $arr", "array.get_u $arr", "array.set $arr", "array.len", "array.fill $arr", "array.copy $arr $arr",
        "array.init_data $arr $d", "array.init_elem $arr $e",
        "ref.test (ref $s)", "ref.test (ref null any)", "ref.cast (ref i31)", "ref.cast (ref null $arr)",
        "br_on_cast 0 anyref (ref $s)", "br_on_cast_fail 0 (ref null any) (ref i31)", "br_on_cast 0 (ref any) (ref null eq)",
        "any.convert_extern", "extern.convert_any", "ref.i31", "i31.get_s", "i31.get_u",
        // threads
        "memory.atomic.notify", "memory.atomic.wait32", "memory.atomic.wait64 offset=8", "atomic.fence",
        "i32.atomic.load", "i64.atomic.load", "i32.atomic.load8_u", "i32.atomic.load16_u", "i64.atomic.load8_u",
        "i64.atomic.load16_u", "i64.atomic.load32_u $m2 offset=4",
        "i32.atomic.store", "i64.atomic.store", "i32.atomic.store8", "i32.atomic.store16", "i64.atomic.store8",
        "i64.atomic.store16", "i64.atomic.store32",
        "i32.atomic.rmw.add", "i64.atomic.rmw.add", "i32.atomic.rmw8.add_u", "i32.atomic.rmw16.add_u", "i64.atomic.rmw8.add_u",
        "i64.atomic.rmw16.add_u", "i64.atomic.rmw32.add_u", "i32.atomic.rmw.sub", "i64.atomic.rmw32.sub_u",
        "i32.atomic.rmw.and", "i64.atomic.rmw16.and_u", "i32.atomic.rmw.or", "i64.atomic.rmw8.or_u",
        "i32.atomic.rmw.xor", "i64.atomic.rmw.xor", "i32.atomic.rmw.xchg", "i64.atomic.rmw32.xchg_u",
        "i32.atomic.rmw.cmpxchg", "i64.atomic.rmw.cmpxchg", "i32.atomic.rmw8.cmpxchg_u", "i32.atomic.rmw16.cmpxchg_u",
        "i64.atomic.rmw8.cmpxchg_u", "i64.atomic.rmw16.cmpxchg_u", "i64.atomic.rmw32.cmpxchg_u");

    [Theory]
    [MemberData(nameof(CoreInstructions))]
    public void CoreInstructionIsWalkedWithItsImmediates(string instruction)
    {
        AssertOneGrowSite(instruction);
    }

    [Theory]
    [MemberData(nameof(SimdInstructions))]
    public void SimdInstructionIsWalkedWithItsImmediates(string instruction)
    {
        AssertOneGrowSite(instruction);
    }

    [Fact]
    public void SimdTableKnowsExactlyTheOpcodesTheEncoderProduces()
    {
        var encoded = new SortedSet<uint>();
        foreach (var instruction in SimdInstructionTexts())
        {
            encoded.Add(FirstSimdOpcode(Encode(instruction)));
        }

        var known = new SortedSet<uint>(Enumerable.Range(0, 600).Select(i => (uint)i).Where(InstructionWalker.IsKnownSimdOpcode));
        Assert.Equal(known, encoded);
    }

    public static TheoryData<string> SimdInstructions => new(SimdInstructionTexts());

    private static void AssertOneGrowSite(string instruction)
    {
        var module = Encode(instruction);
        var result = WasmGrowInstrumenter.Instrument(module);
        Assert.True(result.Instrumented, result.SkipReason);
        Assert.Equal(1, result.GrowSitesReplaced);
    }

    private static byte[] Encode(string instruction) => WasmTestHost.Wat($"""
        (module
          {Context}
          (func $f (param i32) (result i32)
            {instruction}
            i32.const 0
            memory.grow
            drop
            unreachable))
        """);

    /// <summary>Sub-opcode of the first instruction of the first body, which must be 0xFD-prefixed.</summary>
    private static uint FirstSimdOpcode(byte[] module)
    {
        var layout = WasmModuleLayout.Read(module);
        var code = layout.Find(WasmSectionId.Code)!.Value;
        var reader = new WasmBinaryReader(module.AsSpan(code.ContentStart, code.ContentLength));
        reader.ReadU32(); // body count
        reader.ReadU32(); // body size
        Assert.Equal(0u, reader.ReadU32()); // no locals
        Assert.Equal(0xFD, reader.ReadByte());
        return reader.ReadU32();
    }

    private static string[] SimdInstructionTexts()
    {
        string[] memory =
        [
            "v128.load", "v128.load8x8_s", "v128.load8x8_u", "v128.load16x4_s", "v128.load16x4_u", "v128.load32x2_s",
            "v128.load32x2_u", "v128.load8_splat", "v128.load16_splat", "v128.load32_splat", "v128.load64_splat",
            "v128.store", "v128.load32_zero", "v128.load64_zero", "v128.load offset=64 align=1", "v128.store $m2 offset=3",
            "v128.load8_lane 15", "v128.load16_lane 7", "v128.load32_lane 3", "v128.load64_lane 1",
            "v128.store8_lane 0", "v128.store16_lane 1", "v128.store32_lane $m2 2", "v128.store64_lane offset=64 1",
            "v128.const i8x16 64 0 64 0 64 0 64 0 64 0 64 0 64 0 64 0", "v128.const f64x2 1.5 -0",
            "i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15",
            "i8x16.extract_lane_s 1", "i8x16.extract_lane_u 0", "i8x16.replace_lane 2", "i16x8.extract_lane_s 3",
            "i16x8.extract_lane_u 4", "i16x8.replace_lane 5", "i32x4.extract_lane 0", "i32x4.replace_lane 1",
            "i64x2.extract_lane 1", "i64x2.replace_lane 0", "f32x4.extract_lane 3", "f32x4.replace_lane 2",
            "f64x2.extract_lane 1", "f64x2.replace_lane 0",
        ];
        string[] plain =
        [
            "i8x16.swizzle", "i8x16.splat", "i16x8.splat", "i32x4.splat", "i64x2.splat", "f32x4.splat", "f64x2.splat",
            .. Shapes(["i8x16", "i16x8", "i32x4"], ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"]),
            .. Shapes(["f32x4", "f64x2"], ["eq", "ne", "lt", "gt", "le", "ge"]),
            "v128.not", "v128.and", "v128.andnot", "v128.or", "v128.xor", "v128.bitselect", "v128.any_true",
            "f32x4.demote_f64x2_zero", "f64x2.promote_low_f32x4",
            "i8x16.abs", "i8x16.neg", "i8x16.popcnt", "i8x16.all_true", "i8x16.bitmask", "i8x16.narrow_i16x8_s", "i8x16.narrow_i16x8_u",
            "f32x4.ceil", "f32x4.floor", "f32x4.trunc", "f32x4.nearest",
            "i8x16.shl", "i8x16.shr_s", "i8x16.shr_u", "i8x16.add", "i8x16.add_sat_s", "i8x16.add_sat_u", "i8x16.sub",
            "i8x16.sub_sat_s", "i8x16.sub_sat_u", "f64x2.ceil", "f64x2.floor", "i8x16.min_s", "i8x16.min_u", "i8x16.max_s",
            "i8x16.max_u", "f64x2.trunc", "i8x16.avgr_u",
            "i16x8.extadd_pairwise_i8x16_s", "i16x8.extadd_pairwise_i8x16_u", "i32x4.extadd_pairwise_i16x8_s", "i32x4.extadd_pairwise_i16x8_u",
            "i16x8.abs", "i16x8.neg", "i16x8.q15mulr_sat_s", "i16x8.all_true", "i16x8.bitmask", "i16x8.narrow_i32x4_s",
            "i16x8.narrow_i32x4_u", "i16x8.extend_low_i8x16_s", "i16x8.extend_high_i8x16_s", "i16x8.extend_low_i8x16_u",
            "i16x8.extend_high_i8x16_u", "i16x8.shl", "i16x8.shr_s", "i16x8.shr_u", "i16x8.add", "i16x8.add_sat_s",
            "i16x8.add_sat_u", "i16x8.sub", "i16x8.sub_sat_s", "i16x8.sub_sat_u", "f64x2.nearest", "i16x8.mul", "i16x8.min_s",
            "i16x8.min_u", "i16x8.max_s", "i16x8.max_u", "i16x8.avgr_u", "i16x8.extmul_low_i8x16_s", "i16x8.extmul_high_i8x16_s",
            "i16x8.extmul_low_i8x16_u", "i16x8.extmul_high_i8x16_u",
            "i32x4.abs", "i32x4.neg", "i32x4.all_true", "i32x4.bitmask", "i32x4.extend_low_i16x8_s", "i32x4.extend_high_i16x8_s",
            "i32x4.extend_low_i16x8_u", "i32x4.extend_high_i16x8_u", "i32x4.shl", "i32x4.shr_s", "i32x4.shr_u", "i32x4.add",
            "i32x4.sub", "i32x4.mul", "i32x4.min_s", "i32x4.min_u", "i32x4.max_s", "i32x4.max_u", "i32x4.dot_i16x8_s",
            "i32x4.extmul_low_i16x8_s", "i32x4.extmul_high_i16x8_s", "i32x4.extmul_low_i16x8_u", "i32x4.extmul_high_i16x8_u",
            "i64x2.abs", "i64x2.neg", "i64x2.all_true", "i64x2.bitmask", "i64x2.extend_low_i32x4_s", "i64x2.extend_high_i32x4_s",
            "i64x2.extend_low_i32x4_u", "i64x2.extend_high_i32x4_u", "i64x2.shl", "i64x2.shr_s", "i64x2.shr_u", "i64x2.add",
            "i64x2.sub", "i64x2.mul", "i64x2.eq", "i64x2.ne", "i64x2.lt_s", "i64x2.gt_s", "i64x2.le_s", "i64x2.ge_s",
            "i64x2.extmul_low_i32x4_s", "i64x2.extmul_high_i32x4_s", "i64x2.extmul_low_i32x4_u", "i64x2.extmul_high_i32x4_u",
            .. Shapes(["f32x4", "f64x2"], ["abs", "neg", "sqrt", "add", "sub", "mul", "div", "min", "max", "pmin", "pmax"]),
            "i32x4.trunc_sat_f32x4_s", "i32x4.trunc_sat_f32x4_u", "f32x4.convert_i32x4_s", "f32x4.convert_i32x4_u",
            "i32x4.trunc_sat_f64x2_s_zero", "i32x4.trunc_sat_f64x2_u_zero", "f64x2.convert_low_i32x4_s", "f64x2.convert_low_i32x4_u",
        ];
        string[] relaxed =
        [
            "i8x16.relaxed_swizzle", "i32x4.relaxed_trunc_f32x4_s", "i32x4.relaxed_trunc_f32x4_u",
            "i32x4.relaxed_trunc_f64x2_s_zero", "i32x4.relaxed_trunc_f64x2_u_zero", "f32x4.relaxed_madd", "f32x4.relaxed_nmadd",
            "f64x2.relaxed_madd", "f64x2.relaxed_nmadd", "i8x16.relaxed_laneselect", "i16x8.relaxed_laneselect",
            "i32x4.relaxed_laneselect", "i64x2.relaxed_laneselect", "f32x4.relaxed_min", "f32x4.relaxed_max",
            "f64x2.relaxed_min", "f64x2.relaxed_max", "i16x8.relaxed_q15mulr_s", "i16x8.relaxed_dot_i8x16_i7x16_s",
            "i32x4.relaxed_dot_i8x16_i7x16_add_s",
        ];
        return [.. memory, .. plain, .. relaxed];
    }

    private static IEnumerable<string> Shapes(string[] shapes, string[] ops) =>
        shapes.SelectMany(shape => ops.Select(op => $"{shape}.{op}"));
}
