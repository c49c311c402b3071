namespace Wasmbox.Core.Wasm;

/// <summary>
/// Checks a module against <see cref="ModuleShapeLimits"/> before it is compiled: one pass over the sections, and over
/// every function body for its locals and its nesting.
/// </summary>
/// <remarks>
/// This is not validation: a module that passes may still be invalid, and Wasmtime's validator decides that. It only
/// refuses modules whose size in some dimension no real program reaches, with a message that names the dimension.
/// </remarks>
public static class ModuleShape
{
    /// <summary>
    /// Throws <see cref="ModuleTooLargeException"/> naming the first limit the module exceeds; returns when none is
    /// exceeded, and also when the bytes are not a well-formed module (Wasmtime's validator then says why).
    /// </summary>
    public static void Check(ReadOnlySpan<byte> module, ModuleShapeLimits limits)
    {
        try { CheckSections(module, limits); }
        catch (WasmFormatException) { }
    }

    private static void CheckSections(ReadOnlySpan<byte> module, ModuleShapeLimits limits)
    {
        var reader = new WasmBinaryReader(module);
        if (module.Length < 8) return;
        reader.Skip(8);
        while (!reader.AtEnd)
        {
            var id = reader.ReadByte();
            var size = reader.ReadLength();
            var contentStart = reader.Position;
            var content = new WasmBinaryReader(reader.ReadBytes(size), contentStart);
            switch (id)
            {
                case WasmSectionId.Type: Count(ref content, limits.MaxTypes, "types"); break;
                case WasmSectionId.Import: Count(ref content, limits.MaxImports, "imports"); break;
                case WasmSectionId.Function: Count(ref content, limits.MaxFunctions, "functions"); break;
                case WasmSectionId.Table: Count(ref content, limits.MaxTables, "tables"); break;
                case WasmSectionId.Memory: Count(ref content, limits.MaxMemories, "memories"); break;
                case WasmSectionId.Global: Count(ref content, limits.MaxGlobals, "globals"); break;
                case WasmSectionId.Export: Count(ref content, limits.MaxExports, "exports"); break;
                case WasmSectionId.Element: Count(ref content, limits.MaxElementSegments, "element segments"); break;
                case WasmSectionId.Data: Count(ref content, limits.MaxDataSegments, "data segments"); break;
                case WasmSectionId.Code: CheckBodies(ref content, limits); break;
            }
        }
    }

    private static int Count(ref WasmBinaryReader content, int max, string what)
    {
        var n = content.ReadU32();
        if (n > (uint)max) throw new ModuleTooLargeException($"it has {n:N0} {what}, more than the {max:N0} Wasmbox accepts");
        return (int)n;
    }

    private static void CheckBodies(ref WasmBinaryReader code, ModuleShapeLimits limits)
    {
        var count = Count(ref code, limits.MaxFunctions, "function bodies");
        var sites = new List<MemoryGrowSite>();
        for (var i = 0; i < count; i++)
        {
            var size = code.ReadLength();
            if (size > limits.MaxFunctionBodyBytes)
                throw new ModuleTooLargeException($"function {i} of its code is {size:N0} bytes long, more than the {limits.MaxFunctionBodyBytes:N0} Wasmbox accepts");
            var offset = code.ModuleOffset;
            var body = new WasmBinaryReader(code.ReadBytes(size), offset);

            long locals = 0;
            var groups = body.ReadU32();
            for (var g = 0u; g < groups; g++)
            {
                locals += body.ReadU32();
                if (locals > limits.MaxLocalsPerFunction)
                    throw new ModuleTooLargeException($"function {i} of its code declares more than the {limits.MaxLocalsPerFunction:N0} locals Wasmbox accepts");
                WasmTypeReader.SkipValueType(ref body);
            }

            sites.Clear();
            int depth;
            try { depth = InstructionWalker.WalkExpression(ref body, sites); }
            catch (UnknownOpcodeException) { continue; } // an instruction we do not decode: Wasmtime decides
            if (depth > limits.MaxNesting)
                throw new ModuleTooLargeException($"function {i} of its code nests blocks {depth:N0} deep, more than the {limits.MaxNesting:N0} Wasmbox accepts");
        }
    }
}

/// <summary>A module exceeds one of the <see cref="ModuleShapeLimits"/>; the message says which, as a clause ("it has …").</summary>
public sealed class ModuleTooLargeException(string message) : Exception(message);
