namespace Wasmbox.Core.Wasm;

/// <summary>
/// A binary module's interface — imports, exports and memories, each with its type — read from the type, import,
/// function, table, memory, global and export sections alone. Nothing is compiled: <c>wasmbox inspect</c> of a 76 MB
/// module takes the time to read it, not the 40 s Cranelift would take (issue 10 item 4).
/// </summary>
/// <remarks>
/// Types are written as Wasmtime's API names them, so inspect's output did not change when it stopped compiling:
/// a function <c>(i32, i64) -> (i32)</c>, a memory <c>[i64 ]MIN..[MAX] pages</c>, a table <c>funcref MIN..[MAX]</c>, a
/// global <c>[mut ]i32</c>. Whether the module is valid is a separate question (Wasmtime's validator answers it
/// without compiling too).
/// </remarks>
public sealed class ModuleInterface
{
    /// <param name="Kind">func, table, memory, global or tag.</param>
    /// <param name="Type">The type as text (see the class remarks).</param>
    public sealed record Item(string Module, string Name, string Kind, string Type);

    /// <param name="Name">For an imported memory <c>module.name</c>, for an exported one its export name.</param>
    /// <param name="MinPages">Minimum size in pages.</param>
    /// <param name="MaxPages">Maximum size in pages, or null for none.</param>
    public sealed record Memory(string Name, bool Imported, ulong MinPages, ulong? MaxPages, bool Is64Bit);

    private readonly List<string?> _types = [];      // per type index: a function signature, or null for GC types
    private readonly List<string> _functions = [];   // per function index: its signature
    private readonly List<string> _tables = [];
    private readonly List<(ulong Min, ulong? Max, bool Is64)> _memories = [];
    private readonly List<string> _globals = [];

    private ModuleInterface() { }

    public List<Item> Imports { get; } = [];

    /// <summary>Exports; <see cref="Item.Module"/> is empty.</summary>
    public List<Item> Exports { get; } = [];

    /// <summary>Imported memories first (named module.name), then exported ones (named by their export).</summary>
    public List<Memory> Memories { get; } = [];

    /// <summary>Reads the interface of a binary module; <paramref name="problem"/> says why when its sections are not well formed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> module, out ModuleInterface result, out string? problem)
    {
        try
        {
            result = Read(module);
            problem = null;
            return true;
        }
        catch (Exception e) when (e is WasmFormatException or ArgumentException or OverflowException)
        {
            result = null!;
            problem = e.Message;
            return false;
        }
    }

    /// <exception cref="WasmFormatException">The sections that say it are not well formed.</exception>
    internal static ModuleInterface Read(ReadOnlySpan<byte> module)
    {
        var layout = WasmModuleLayout.Read(module);
        var result = new ModuleInterface();
        foreach (var section in layout.Sections)
        {
            var reader = new WasmBinaryReader(module.Slice(section.ContentStart, section.ContentLength), section.ContentStart);
            switch (section.Id)
            {
                case WasmSectionId.Type: result.ReadTypes(ref reader); break;
                case WasmSectionId.Import: result.ReadImports(ref reader); break;
                case WasmSectionId.Function: result.ReadFunctions(ref reader); break;
                case WasmSectionId.Table: result.ReadTables(ref reader); break;
                case WasmSectionId.Memory: result.ReadMemories(ref reader); break;
                case WasmSectionId.Global: result.ReadGlobals(ref reader); break;
                case WasmSectionId.Export: result.ReadExports(ref reader); break;
            }
        }
        return result;
    }

    private void ReadTypes(ref WasmBinaryReader reader)
    {
        var count = reader.ReadLength();
        for (var i = 0; i < count; i++)
        {
            if (reader.PeekByte() == 0x4E) // rec group: its members are types of their own
            {
                reader.ReadByte();
                var members = reader.ReadLength();
                for (var m = 0; m < members; m++) _types.Add(ReadSubType(ref reader));
            }
            else _types.Add(ReadSubType(ref reader));
        }
    }

    private static string? ReadSubType(ref WasmBinaryReader reader)
    {
        if (reader.PeekByte() is 0x50 or 0x4F)
        {
            reader.ReadByte();
            var supertypes = reader.ReadLength();
            for (var i = 0; i < supertypes; i++) reader.ReadU32();
        }
        if (reader.PeekByte() != 0x60)
        {
            // A struct or array type (GC): no function can have it, so only its length matters.
            WasmTypeReader.SkipRecType(ref reader);
            return null;
        }
        reader.ReadByte();
        var parameters = ReadResultType(ref reader);
        var results = ReadResultType(ref reader);
        return $"({string.Join(", ", parameters)}) -> ({string.Join(", ", results)})";
    }

    private static List<string> ReadResultType(ref WasmBinaryReader reader)
    {
        var count = reader.ReadLength();
        var types = new List<string>(Math.Min(count, 64));
        for (var i = 0; i < count; i++) types.Add(ReadValueType(ref reader));
        return types;
    }

    private void ReadImports(ref WasmBinaryReader reader)
    {
        var count = reader.ReadLength();
        for (var i = 0; i < count; i++)
        {
            var module = reader.ReadName();
            var name = reader.ReadName();
            var kindOffset = reader.ModuleOffset;
            switch (reader.ReadByte())
            {
                case 0x00:
                    var signature = FunctionType(reader.ReadU32(), kindOffset);
                    _functions.Add(signature);
                    Imports.Add(new Item(module, name, "func", signature));
                    break;
                case 0x01:
                    var table = ReadTableType(ref reader);
                    _tables.Add(table);
                    Imports.Add(new Item(module, name, "table", table));
                    break;
                case 0x02:
                    var memory = ReadLimits(ref reader);
                    _memories.Add(memory);
                    Imports.Add(new Item(module, name, "memory", MemoryText(memory)));
                    Memories.Add(new Memory($"{module}.{name}", true, memory.Min, memory.Max, memory.Is64));
                    break;
                case 0x03:
                    var global = ReadGlobalType(ref reader);
                    _globals.Add(global);
                    Imports.Add(new Item(module, name, "global", global));
                    break;
                case 0x04:
                    reader.ReadByte();
                    Imports.Add(new Item(module, name, "tag", FunctionType(reader.ReadU32(), kindOffset)));
                    break;
                default:
                    throw new WasmFormatException("unknown import kind", kindOffset);
            }
        }
    }

    private void ReadFunctions(ref WasmBinaryReader reader)
    {
        var count = reader.ReadLength();
        for (var i = 0; i < count; i++)
        {
            var offset = reader.ModuleOffset;
            _functions.Add(FunctionType(reader.ReadU32(), offset));
        }
    }

    private void ReadTables(ref WasmBinaryReader reader)
    {
        var count = reader.ReadLength();
        for (var i = 0; i < count; i++)
        {
            // 0x40 0x00: a table with an initialiser expression (function references proposal).
            var withInit = reader.PeekByte() == 0x40;
            if (withInit) { reader.ReadByte(); reader.ReadByte(); }
            _tables.Add(ReadTableType(ref reader));
            if (withInit) InstructionWalker.WalkExpression(ref reader, []);
        }
    }

    private void ReadMemories(ref WasmBinaryReader reader)
    {
        var count = reader.ReadLength();
        for (var i = 0; i < count; i++) _memories.Add(ReadLimits(ref reader));
    }

    private void ReadGlobals(ref WasmBinaryReader reader)
    {
        var count = reader.ReadLength();
        for (var i = 0; i < count; i++)
        {
            _globals.Add(ReadGlobalType(ref reader));
            InstructionWalker.WalkExpression(ref reader, []);
        }
    }

    private void ReadExports(ref WasmBinaryReader reader)
    {
        var count = reader.ReadLength();
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadName();
            var offset = reader.ModuleOffset;
            var kind = reader.ReadByte();
            var index = (int)Math.Min(reader.ReadU32(), int.MaxValue);
            switch (kind)
            {
                case 0x00: Exports.Add(new Item("", name, "func", At(_functions, index, offset))); break;
                case 0x01: Exports.Add(new Item("", name, "table", At(_tables, index, offset))); break;
                case 0x02:
                    if (index >= _memories.Count) throw new WasmFormatException("export of an unknown memory", offset);
                    var memory = _memories[index];
                    Exports.Add(new Item("", name, "memory", MemoryText(memory)));
                    Memories.Add(new Memory(name, false, memory.Min, memory.Max, memory.Is64));
                    break;
                case 0x03: Exports.Add(new Item("", name, "global", At(_globals, index, offset))); break;
                case 0x04: Exports.Add(new Item("", name, "tag", "")); break;
                default: throw new WasmFormatException("unknown export kind", offset);
            }
        }
    }

    private string FunctionType(uint index, int offset) =>
        index < _types.Count && _types[(int)index] is { } signature
            ? signature
            : throw new WasmFormatException($"type index {index} is not a function type", offset);

    private static string At(List<string> space, int index, int offset) =>
        index < space.Count ? space[index] : throw new WasmFormatException($"export of unknown index {index}", offset);

    private static string MemoryText((ulong Min, ulong? Max, bool Is64) m) =>
        $"{(m.Is64 ? "i64 " : "")}{m.Min}..{m.Max?.ToString() ?? ""} pages";

    private static (ulong Min, ulong? Max, bool Is64) ReadLimits(ref WasmBinaryReader reader)
    {
        var offset = reader.ModuleOffset;
        var flags = reader.ReadByte();
        if ((flags & ~0x0F) != 0) throw new WasmFormatException($"unknown limits flags 0x{flags:X2}", offset);
        var min = reader.ReadU64();
        ulong? max = (flags & 0x01) != 0 ? reader.ReadU64() : null;
        if ((flags & 0x08) != 0) reader.ReadU32(); // custom page size
        return (min, max, (flags & 0x04) != 0);
    }

    private static string ReadTableType(ref WasmBinaryReader reader)
    {
        var element = ReadValueType(ref reader);
        var (min, max, _) = ReadLimits(ref reader);
        return $"{element} {min}..{max?.ToString() ?? ""}";
    }

    private static string ReadGlobalType(ref WasmBinaryReader reader)
    {
        var type = ReadValueType(ref reader);
        var offset = reader.ModuleOffset;
        return reader.ReadByte() switch
        {
            0 => type,
            1 => "mut " + type,
            var m => throw new WasmFormatException($"unknown mutability 0x{m:X2}", offset),
        };
    }

    private static string ReadValueType(ref WasmBinaryReader reader)
    {
        var b = reader.PeekByte();
        switch (b)
        {
            case 0x7F: reader.ReadByte(); return "i32";
            case 0x7E: reader.ReadByte(); return "i64";
            case 0x7D: reader.ReadByte(); return "f32";
            case 0x7C: reader.ReadByte(); return "f64";
            case 0x7B: reader.ReadByte(); return "v128";
            case 0x70: reader.ReadByte(); return "funcref";
            case 0x6F: reader.ReadByte(); return "externref";
        }
        WasmTypeReader.SkipValueType(ref reader);
        return b is WasmTypeReader.Ref or WasmTypeReader.RefNull ? (b == WasmTypeReader.Ref ? "ref" : "ref null") : $"ref(0x{b:X2})";
    }
}
