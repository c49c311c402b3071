namespace Wasmbox.Core.Wasm;

/// <summary>
/// Rewrites a WebAssembly module so that it counts its own refused <c>memory.grow</c> calls.
/// </summary>
/// <remarks>
/// <para>
/// Why rewrite: the Wasmtime .NET API has no resource-limiter callback. With
/// <c>Store.SetLimits(memorySize: cap)</c> a growth past the cap just makes
/// <c>memory.grow</c> return -1 to the guest, and the host never learns it happened. A guest
/// that handles the failure (malloc returning NULL) carries on, and the run report could not
/// say that the memory limit refused a growth.
/// </para>
/// <para>
/// What the rewrite does, before the module is compiled: it appends a function type, two
/// mutable i32 globals (<c>refused_count</c>, <c>largest_refused_delta</c>), a hook function
/// that performs <c>memory.grow 0</c> and updates the globals on -1, and two exports
/// (<see cref="RefusedCountExport"/>, <see cref="LargestRefusedDeltaExport"/>); then it
/// replaces every <c>memory.grow</c> on memory 0 by <c>call hook</c>. Everything is appended
/// at the end of its index space, so no existing index moves and the start, element, data,
/// data count and custom sections are copied unchanged. After the run the host reads the two
/// exported globals from the instance.
/// </para>
/// <para>
/// Modules it cannot handle safely (no memory, a 64-bit memory 0, an opcode it does not know,
/// malformed bytes, export names already taken) are returned unchanged with a reason; it never
/// throws for them.
/// </para>
/// </remarks>
public static class WasmGrowInstrumenter
{
    /// <summary>Export name of the global counting refused growths of memory 0.</summary>
    public const string RefusedCountExport = "__wasmbox_grow_refused";

    /// <summary>Export name of the global holding the largest refused delta, in pages (unsigned).</summary>
    public const string LargestRefusedDeltaExport = "__wasmbox_grow_largest_refused";

    /// <summary>
    /// Returns <paramref name="module"/> rewritten with the grow hook, or the original bytes and
    /// the reason it was left alone.
    /// </summary>
    public static InstrumentResult Instrument(ReadOnlySpan<byte> module)
    {
        WasmModuleLayout layout;
        try
        {
            layout = WasmModuleLayout.Read(module);
        }
        catch (WasmFormatException e)
        {
            return InstrumentResult.Skipped(module, $"malformed module: {e.Message}");
        }

        if (layout.MemoryIs64.Count == 0)
        {
            return InstrumentResult.Skipped(module, "module has no linear memory, so no growth can be refused");
        }

        if (layout.MemoryIs64[0])
        {
            return InstrumentResult.Skipped(module, "memory 0 is a 64-bit memory (memory64); the grow hook only handles 32-bit memories");
        }

        foreach (var name in (ReadOnlySpan<string>)[RefusedCountExport, LargestRefusedDeltaExport])
        {
            if (layout.ExportNames.Contains(name))
            {
                return InstrumentResult.Skipped(module, $"module already exports '{name}'");
            }
        }

        if (layout.CodeCount != layout.DefinedFunctionCount)
        {
            return InstrumentResult.Skipped(
                module,
                $"malformed module: {layout.DefinedFunctionCount} functions declared but {layout.CodeCount} bodies");
        }

        try
        {
            return new ModuleRewriter(module, layout).Run();
        }
        catch (UnknownOpcodeException e)
        {
            return InstrumentResult.Skipped(module, $"cannot decode every instruction: {e.Message}");
        }
        catch (WasmFormatException e)
        {
            return InstrumentResult.Skipped(module, $"malformed module: {e.Message}");
        }
    }
}
