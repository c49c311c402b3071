namespace Wasmbox.Core.Wasm;

/// <summary>
/// What the instrumenter must know about a module before rewriting it: where each section is,
/// how many entries each index space holds, the type of memory 0 and the export names.
/// </summary>
/// <remarks>
/// New entries are appended at the end of each index space, so no existing index shifts and no
/// other section (start, element, data, name, ...) needs to be touched. Reading the layout only
/// parses the sections whose counts or contents decide those indices; the rest are kept as
/// opaque byte ranges.
/// </remarks>
internal sealed class WasmModuleLayout
{
    private static ReadOnlySpan<byte> Magic => [0x00, 0x61, 0x73, 0x6D];

    private static ReadOnlySpan<byte> CoreVersion => [0x01, 0x00, 0x00, 0x00];

    private WasmModuleLayout()
    {
    }

    /// <summary>Sections in file order.</summary>
    public List<WasmSection> Sections { get; } = [];

    /// <summary>Number of entries (rec groups) in the type section vector.</summary>
    public int TypeEntryCount { get; private set; }

    /// <summary>Number of types in the type index space (members of rec groups each count).</summary>
    public int TypeCount { get; private set; }

    /// <summary>Imported functions, which come first in the function index space.</summary>
    public int ImportedFunctionCount { get; private set; }

    /// <summary>Imported globals, which come first in the global index space.</summary>
    public int ImportedGlobalCount { get; private set; }

    /// <summary>Entries of the function section.</summary>
    public int DefinedFunctionCount { get; private set; }

    /// <summary>Entries of the global section.</summary>
    public int DefinedGlobalCount { get; private set; }

    /// <summary>Entries of the export section.</summary>
    public int ExportCount { get; private set; }

    /// <summary>Entries of the code section.</summary>
    public int CodeCount { get; private set; }

    /// <summary>Memory index space in order, imported memories first: true for a 64-bit memory.</summary>
    public List<bool> MemoryIs64 { get; } = [];

    /// <summary>Names of all exports.</summary>
    public HashSet<string> ExportNames { get; } = new(StringComparer.Ordinal);

    /// <summary>Every import, in order: module name, field name, and whether it is a function.</summary>
    public List<(string Module, string Name, bool IsFunction)> Imports { get; } = [];

    /// <summary>Finds the section with <paramref name="id"/>, if present.</summary>
    public WasmSection? Find(byte id)
    {
        foreach (var section in Sections)
        {
            if (section.Id == id)
            {
                return section;
            }
        }

        return null;
    }

    /// <summary>Reads the layout of <paramref name="module"/>.</summary>
    /// <exception cref="WasmFormatException">The bytes are not a well-formed core module.</exception>
    public static WasmModuleLayout Read(ReadOnlySpan<byte> module)
    {
        var layout = new WasmModuleLayout();
        var reader = new WasmBinaryReader(module);
        if (module.Length < 8 || !module[..4].SequenceEqual(Magic))
        {
            throw new WasmFormatException("not a WebAssembly binary (bad magic number)", 0);
        }

        if (!module[4..8].SequenceEqual(CoreVersion))
        {
            throw new WasmFormatException("not a core WebAssembly module of version 1 (a component or another version)", 4);
        }

        reader.Skip(8);
        var lastOrder = 0;
        while (!reader.AtEnd)
        {
            var start = reader.Position;
            var id = reader.ReadByte();
            var size = reader.ReadLength();
            var contentStart = reader.Position;
            reader.Skip(size);
            var section = new WasmSection(id, start, contentStart, size);

            if (id != WasmSectionId.Custom)
            {
                var order = WasmSectionId.OrderOf(id);
                if (order < 0)
                {
                    throw new WasmFormatException($"unknown section id {id}", start);
                }

                if (order <= lastOrder)
                {
                    throw new WasmFormatException($"section id {id} is out of order or repeated", start);
                }

                lastOrder = order;
                var content = new WasmBinaryReader(module.Slice(contentStart, size), contentStart);
                layout.ReadSection(id, ref content);
            }

            layout.Sections.Add(section);
        }

        return layout;
    }

    private void ReadSection(byte id, ref WasmBinaryReader content)
    {
        switch (id)
        {
            case WasmSectionId.Type:
                ReadTypeSection(ref content);
                break;
            case WasmSectionId.Import:
                ReadImportSection(ref content);
                break;
            case WasmSectionId.Function:
                DefinedFunctionCount = ReadVectorOfIndices(ref content);
                break;
            case WasmSectionId.Memory:
                ReadMemorySection(ref content);
                break;
            case WasmSectionId.Global:
                // Only the count matters: new globals go after the last one.
                DefinedGlobalCount = content.ReadLength();
                return;
            case WasmSectionId.Export:
                ReadExportSection(ref content);
                break;
            case WasmSectionId.Code:
                // Bodies are walked later, one by one, by the instrumenter.
                CodeCount = content.ReadLength();
                return;
            default:
                return;
        }

        if (!content.AtEnd)
        {
            throw new WasmFormatException($"section id {id} has trailing bytes", content.ModuleOffset);
        }
    }

    private void ReadTypeSection(ref WasmBinaryReader content)
    {
        TypeEntryCount = content.ReadLength();
        var types = 0L;
        for (var i = 0; i < TypeEntryCount; i++)
        {
            types += WasmTypeReader.SkipRecType(ref content);
        }

        if (types > int.MaxValue - 1)
        {
            throw new WasmFormatException("too many types", content.ModuleOffset);
        }

        TypeCount = (int)types;
    }

    private void ReadImportSection(ref WasmBinaryReader content)
    {
        var count = content.ReadLength();
        for (var i = 0; i < count; i++)
        {
            var module = content.ReadName();
            var name = content.ReadName();
            var kindOffset = content.ModuleOffset;
            var kind = content.ReadByte();
            Imports.Add((module, name, kind == 0x00));
            switch (kind)
            {
                case 0x00: // function: typeidx
                    content.ReadU32();
                    ImportedFunctionCount++;
                    break;
                case 0x01: // table
                    WasmTypeReader.SkipTableType(ref content);
                    break;
                case 0x02: // memory
                    MemoryIs64.Add(WasmTypeReader.ReadLimits(ref content, out _));
                    break;
                case 0x03: // global
                    WasmTypeReader.SkipGlobalType(ref content);
                    ImportedGlobalCount++;
                    break;
                case 0x04: // tag: attribute byte, typeidx
                    content.ReadByte();
                    content.ReadU32();
                    break;
                default:
                    throw new WasmFormatException($"unknown import kind 0x{kind:X2}", kindOffset);
            }
        }
    }

    private void ReadMemorySection(ref WasmBinaryReader content)
    {
        var count = content.ReadLength();
        for (var i = 0; i < count; i++)
        {
            MemoryIs64.Add(WasmTypeReader.ReadLimits(ref content, out _));
        }
    }

    private void ReadExportSection(ref WasmBinaryReader content)
    {
        ExportCount = content.ReadLength();
        for (var i = 0; i < ExportCount; i++)
        {
            ExportNames.Add(content.ReadName());
            content.ReadByte();
            content.ReadU32();
        }
    }

    private static int ReadVectorOfIndices(ref WasmBinaryReader content)
    {
        var count = content.ReadLength();
        for (var i = 0; i < count; i++)
        {
            content.ReadU32();
        }

        return count;
    }
}
