namespace Wasmbox.Core.Wasm;

/// <summary>
/// Encodes the pieces the instrumenter appends to a module: the hook's function type, the two
/// counter globals, their exports and the hook's body.
/// </summary>
/// <remarks>
/// The hook is <c>grow_hook(delta i32) -> i32</c>. It runs <c>memory.grow 0</c> exactly as the
/// replaced instruction would and returns the same result, so the guest sees no difference;
/// when the result is -1 it also adds one to <c>refused_count</c> and keeps the largest refused
/// delta (compared unsigned, as memory.grow reads its operand). Any failed growth counts: the
/// store's memory cap, the memory's declared maximum or the 4 GiB bound.
/// </remarks>
internal static class GrowHook
{
    private const byte I32 = WasmTypeReader.I32;

    /// <summary>Writes the type <c>(func (param i32) (result i32))</c> as a type section entry.</summary>
    public static void WriteType(WasmBinaryWriter writer)
    {
        writer.WriteByte(0x60);
        writer.WriteU32(1);
        writer.WriteByte(I32);
        writer.WriteU32(1);
        writer.WriteByte(I32);
    }

    /// <summary>Writes a global section entry <c>(global (mut i32) (i32.const 0))</c>.</summary>
    public static void WriteCounterGlobal(WasmBinaryWriter writer)
    {
        writer.WriteByte(I32);
        writer.WriteByte(0x01); // mutable
        writer.WriteByte(0x41); // i32.const
        writer.WriteS32(0);
        writer.WriteByte(0x0B); // end
    }

    /// <summary>Writes an export section entry exporting global <paramref name="globalIndex"/>.</summary>
    public static void WriteGlobalExport(WasmBinaryWriter writer, string name, uint globalIndex)
    {
        writer.WriteName(name);
        writer.WriteByte(0x03);
        writer.WriteU32(globalIndex);
    }

    /// <summary>Writes the hook as a code section entry (size, locals, instructions).</summary>
    public static void WriteBody(WasmBinaryWriter writer, uint refusedGlobal, uint largestGlobal)
    {
        var body = new WasmBinaryWriter(64);

        // One extra local (index 1) keeps the result of memory.grow.
        body.WriteU32(1);
        body.WriteU32(1);
        body.WriteByte(I32);

        body.WriteByte(0x20); body.WriteU32(0);            // local.get 0 (delta)
        body.WriteByte(0x40); body.WriteU32(0);            // memory.grow 0
        body.WriteByte(0x22); body.WriteU32(1);            // local.tee 1
        body.WriteByte(0x41); body.WriteS32(-1);           // i32.const -1
        body.WriteByte(0x46);                              // i32.eq
        body.WriteByte(0x04); body.WriteByte(0x40);        // if
        body.WriteByte(0x23); body.WriteU32(refusedGlobal); //   global.get refused_count
        body.WriteByte(0x41); body.WriteS32(1);            //   i32.const 1
        body.WriteByte(0x6A);                              //   i32.add
        body.WriteByte(0x24); body.WriteU32(refusedGlobal); //   global.set refused_count
        body.WriteByte(0x20); body.WriteU32(0);            //   local.get 0
        body.WriteByte(0x23); body.WriteU32(largestGlobal); //   global.get largest_refused_delta
        body.WriteByte(0x4B);                              //   i32.gt_u
        body.WriteByte(0x04); body.WriteByte(0x40);        //   if
        body.WriteByte(0x20); body.WriteU32(0);            //     local.get 0
        body.WriteByte(0x24); body.WriteU32(largestGlobal); //     global.set largest_refused_delta
        body.WriteByte(0x0B);                              //   end
        body.WriteByte(0x0B);                              // end
        body.WriteByte(0x20); body.WriteU32(1);            // local.get 1
        body.WriteByte(0x0B);                              // end of function

        writer.WriteU32((uint)body.Length);
        writer.WriteBytes(body.WrittenSpan);
    }
}
