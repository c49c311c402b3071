namespace Wasmbox.Core.Wasm;

/// <summary>
/// Decodes every instruction of an expression (a function body after its locals), so that
/// <c>memory.grow</c> instructions can be found without mistaking an immediate byte for one.
/// </summary>
/// <remarks>
/// <para>
/// A byte scan for <c>0x40 0x00</c> would also hit constants, memarg offsets and SIMD lane
/// bytes, so the walker knows the immediates of every opcode Wasmtime 50 accepts by default:
/// the 3.0 core spec (MVP, sign extension, non-trapping float-to-int, bulk memory, reference
/// types, multi-value, SIMD and relaxed SIMD, tail calls, multi-memory, memory64, exception
/// handling with <c>try_table</c>, typed function references, GC), threads/atomics and wide
/// arithmetic.
/// </para>
/// <para>
/// Anything else (legacy exception handling, stack switching, shared-everything, string
/// references, ...) raises <see cref="UnknownOpcodeException"/>: the walker never guesses an
/// instruction's length.
/// </para>
/// </remarks>
internal static class InstructionWalker
{
    private enum SimdImmediate : byte
    {
        Unknown,
        None,
        MemArg,
        MemArgLane,
        Lane,
        Bytes16,
    }

    private static readonly SimdImmediate[] SimdImmediates = BuildSimdTable();

    /// <summary>True when the walker knows the immediates of SIMD sub-opcode <paramref name="subOpcode"/>.</summary>
    public static bool IsKnownSimdOpcode(uint subOpcode) =>
        subOpcode < SimdImmediates.Length && SimdImmediates[subOpcode] != SimdImmediate.Unknown;

    /// <summary>
    /// Walks instructions from the reader's position up to and including the <c>end</c> that
    /// closes the expression, and records every <c>memory.grow</c> in <paramref name="growSites"/>.
    /// </summary>
    /// <returns>The deepest nesting of blocks, loops, ifs and try_tables in the expression (0 for none).</returns>
    /// <exception cref="UnknownOpcodeException">An opcode whose immediates are not known.</exception>
    /// <exception cref="WasmFormatException">The bytes are not a well-formed instruction sequence.</exception>
    public static int WalkExpression(ref WasmBinaryReader reader, List<MemoryGrowSite> growSites)
    {
        var depth = 0;
        var deepest = 0;
        while (true)
        {
            var start = reader.Position;
            var opcodeOffset = reader.ModuleOffset;
            var opcode = reader.ReadByte();
            switch (opcode)
            {
                // unreachable, nop, else, throw_ref, return, drop, select, ref.is_null, ref.eq, ref.as_non_null
                case 0x00 or 0x01 or 0x05 or 0x0A or 0x0F or 0x1A or 0x1B or 0xD1 or 0xD3 or 0xD4:
                    break;

                // Numeric instructions without immediates, sign extension included.
                case >= 0x45 and <= 0xC4:
                    break;

                case 0x0B: // end
                    if (depth == 0)
                    {
                        return deepest;
                    }

                    depth--;
                    break;

                case 0x02 or 0x03 or 0x04: // block, loop, if
                    WasmTypeReader.SkipBlockType(ref reader);
                    deepest = Math.Max(deepest, ++depth);
                    break;

                case 0x1F: // try_table blocktype vec(catch)
                    WasmTypeReader.SkipBlockType(ref reader);
                    SkipCatchClauses(ref reader);
                    deepest = Math.Max(deepest, ++depth);
                    break;

                case 0x08: // throw tagidx
                case 0x0C or 0x0D: // br, br_if labelidx
                case 0x10 or 0x12: // call, return_call funcidx
                case 0x14 or 0x15: // call_ref, return_call_ref typeidx
                case >= 0x20 and <= 0x24: // local.get/set/tee, global.get/set
                case 0x25 or 0x26: // table.get, table.set tableidx
                case 0x3F: // memory.size memidx
                case 0xD2: // ref.func funcidx
                case 0xD5 or 0xD6: // br_on_null, br_on_non_null labelidx
                    reader.ReadU32();
                    break;

                case 0x0E: // br_table vec(labelidx) labelidx
                    var labels = reader.ReadLength();
                    for (var i = 0; i <= labels; i++)
                    {
                        reader.ReadU32();
                    }

                    break;

                case 0x11 or 0x13: // call_indirect, return_call_indirect typeidx tableidx
                    reader.ReadU32();
                    reader.ReadU32();
                    break;

                case 0x1C: // select vec(valtype)
                    WasmTypeReader.SkipResultType(ref reader);
                    break;

                case >= 0x28 and <= 0x3E: // loads and stores
                    SkipMemArg(ref reader);
                    break;

                case 0x40: // memory.grow memidx
                    var memoryIndex = reader.ReadU32();
                    growSites.Add(new MemoryGrowSite(start, reader.Position - start, memoryIndex));
                    break;

                case 0x41:
                    reader.ReadS32();
                    break;
                case 0x42:
                    reader.ReadS64();
                    break;
                case 0x43:
                    reader.Skip(4);
                    break;
                case 0x44:
                    reader.Skip(8);
                    break;

                case 0xD0: // ref.null heaptype
                    WasmTypeReader.SkipHeapType(ref reader);
                    break;

                case 0xFB:
                    WalkGcInstruction(ref reader, opcodeOffset);
                    break;
                case 0xFC:
                    WalkMiscInstruction(ref reader, opcodeOffset);
                    break;
                case 0xFD:
                    WalkSimdInstruction(ref reader, opcodeOffset);
                    break;
                case 0xFE:
                    WalkAtomicInstruction(ref reader, opcodeOffset);
                    break;

                default:
                    throw new UnknownOpcodeException($"0x{opcode:X2}", opcodeOffset);
            }
        }
    }

    private static void SkipCatchClauses(ref WasmBinaryReader reader)
    {
        var count = reader.ReadLength();
        for (var i = 0; i < count; i++)
        {
            var kindOffset = reader.ModuleOffset;
            var kind = reader.ReadByte();
            switch (kind)
            {
                case 0x00 or 0x01: // catch, catch_ref: tagidx labelidx
                    reader.ReadU32();
                    reader.ReadU32();
                    break;
                case 0x02 or 0x03: // catch_all, catch_all_ref: labelidx
                    reader.ReadU32();
                    break;
                default:
                    throw new WasmFormatException($"unknown try_table catch kind 0x{kind:X2}", kindOffset);
            }
        }
    }

    /// <summary>
    /// Skips a memarg: alignment flags, a memory index when bit 6 of the flags is set
    /// (multi-memory), then the offset, a u64 in the 3.0 format (memory64).
    /// </summary>
    private static void SkipMemArg(ref WasmBinaryReader reader)
    {
        var flagsOffset = reader.ModuleOffset;
        var flags = reader.ReadU32();
        if (flags >= 0x80)
        {
            throw new WasmFormatException($"memarg alignment flags 0x{flags:X} out of range", flagsOffset);
        }

        if ((flags & 0x40) != 0)
        {
            reader.ReadU32();
        }

        reader.ReadU64();
    }

    private static void WalkGcInstruction(ref WasmBinaryReader reader, int opcodeOffset)
    {
        var sub = reader.ReadU32();
        switch (sub)
        {
            case 0 or 1: // struct.new, struct.new_default typeidx
            case 6 or 7: // array.new, array.new_default typeidx
            case >= 11 and <= 14: // array.get, array.get_s, array.get_u, array.set typeidx
            case 16: // array.fill typeidx
                reader.ReadU32();
                break;
            case >= 2 and <= 5: // struct.get, struct.get_s, struct.get_u, struct.set typeidx fieldidx
            case 8: // array.new_fixed typeidx n
            case 9 or 10: // array.new_data typeidx dataidx, array.new_elem typeidx elemidx
            case >= 17 and <= 19: // array.copy typeidx typeidx, array.init_data, array.init_elem
                reader.ReadU32();
                reader.ReadU32();
                break;
            case 15: // array.len
            case >= 26 and <= 30: // any.convert_extern, extern.convert_any, ref.i31, i31.get_s, i31.get_u
                break;
            case >= 20 and <= 23: // ref.test, ref.test null, ref.cast, ref.cast null heaptype
                WasmTypeReader.SkipHeapType(ref reader);
                break;
            case 24 or 25: // br_on_cast, br_on_cast_fail castflags labelidx heaptype heaptype
                var flagsOffset = reader.ModuleOffset;
                var castFlags = reader.ReadByte();
                if (castFlags > 3)
                {
                    throw new WasmFormatException($"unknown cast flags 0x{castFlags:X2}", flagsOffset);
                }

                reader.ReadU32();
                WasmTypeReader.SkipHeapType(ref reader);
                WasmTypeReader.SkipHeapType(ref reader);
                break;
            default:
                throw new UnknownOpcodeException($"0xFB 0x{sub:X}", opcodeOffset);
        }
    }

    private static void WalkMiscInstruction(ref WasmBinaryReader reader, int opcodeOffset)
    {
        var sub = reader.ReadU32();
        switch (sub)
        {
            case <= 7: // saturating float-to-int truncations
            case >= 19 and <= 22: // wide arithmetic: i64.add128, i64.sub128, i64.mul_wide_s, i64.mul_wide_u
                break;
            case 9: // data.drop dataidx
            case 11: // memory.fill memidx
            case 13: // elem.drop elemidx
            case 15 or 16 or 17: // table.grow, table.size, table.fill tableidx
                reader.ReadU32();
                break;
            case 8: // memory.init dataidx memidx
            case 10: // memory.copy memidx memidx
            case 12: // table.init elemidx tableidx
            case 14: // table.copy tableidx tableidx
                reader.ReadU32();
                reader.ReadU32();
                break;
            default:
                throw new UnknownOpcodeException($"0xFC 0x{sub:X}", opcodeOffset);
        }
    }

    private static void WalkAtomicInstruction(ref WasmBinaryReader reader, int opcodeOffset)
    {
        var sub = reader.ReadU32();
        switch (sub)
        {
            case 0 or 1 or 2: // memory.atomic.notify, memory.atomic.wait32, memory.atomic.wait64
            case >= 0x10 and <= 0x4E: // atomic loads, stores, read-modify-writes, cmpxchg
                SkipMemArg(ref reader);
                break;
            case 3: // atomic.fence, followed by a reserved zero byte
                var reservedOffset = reader.ModuleOffset;
                if (reader.ReadByte() != 0)
                {
                    throw new WasmFormatException("atomic.fence reserved byte is not zero", reservedOffset);
                }

                break;
            default:
                throw new UnknownOpcodeException($"0xFE 0x{sub:X}", opcodeOffset);
        }
    }

    private static void WalkSimdInstruction(ref WasmBinaryReader reader, int opcodeOffset)
    {
        var sub = reader.ReadU32();
        var kind = sub < SimdImmediates.Length ? SimdImmediates[sub] : SimdImmediate.Unknown;
        switch (kind)
        {
            case SimdImmediate.None:
                break;
            case SimdImmediate.MemArg:
                SkipMemArg(ref reader);
                break;
            case SimdImmediate.MemArgLane:
                SkipMemArg(ref reader);
                reader.ReadByte();
                break;
            case SimdImmediate.Lane:
                reader.ReadByte();
                break;
            case SimdImmediate.Bytes16:
                reader.Skip(16);
                break;
            default:
                throw new UnknownOpcodeException($"0xFD 0x{sub:X}", opcodeOffset);
        }
    }

    /// <summary>
    /// Immediates of each 0xFD sub-opcode, from the vector instruction tables of the spec
    /// (0–255) and the relaxed SIMD ones (256–275). Numbers not listed there stay unknown.
    /// </summary>
    private static SimdImmediate[] BuildSimdTable()
    {
        var table = new SimdImmediate[276];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = SimdImmediate.None;
        }

        for (var i = 0; i <= 11; i++)
        {
            table[i] = SimdImmediate.MemArg; // v128.load*, v128.store
        }

        table[12] = SimdImmediate.Bytes16; // v128.const
        table[13] = SimdImmediate.Bytes16; // i8x16.shuffle
        for (var i = 21; i <= 34; i++)
        {
            table[i] = SimdImmediate.Lane; // extract_lane, replace_lane
        }

        for (var i = 84; i <= 91; i++)
        {
            table[i] = SimdImmediate.MemArgLane; // v128.load*_lane, v128.store*_lane
        }

        table[92] = SimdImmediate.MemArg; // v128.load32_zero
        table[93] = SimdImmediate.MemArg; // v128.load64_zero

        // Gaps the spec leaves unassigned.
        int[] unassigned = [154, 162, 165, 166, 175, 176, 178, 179, 180, 187, 194, 197, 198, 207, 208, 210, 211, 212, 226, 238];
        foreach (var gap in unassigned)
        {
            table[gap] = SimdImmediate.Unknown;
        }

        return table;
    }
}
