namespace Wasmbox.Core.Wasm;

/// <summary>
/// One rewrite of one module for <see cref="WasmGrowInstrumenter"/>: copies the sections,
/// extends (or creates) the type, function, global, export and code sections, and replaces
/// <c>memory.grow</c> on memory 0 by a call to the hook.
/// </summary>
/// <remarks>
/// Throws <see cref="WasmFormatException"/> or <see cref="UnknownOpcodeException"/> when a
/// function body cannot be decoded; the caller turns that into a skip reason.
/// </remarks>
internal ref struct ModuleRewriter
{
    // Sections the rewrite extends, in the order they must appear.
    private static readonly byte[] ExtendedSections =
        [WasmSectionId.Type, WasmSectionId.Function, WasmSectionId.Global, WasmSectionId.Export, WasmSectionId.Code];

    private readonly ReadOnlySpan<byte> _module;
    private readonly WasmModuleLayout _layout;
    private readonly WasmBinaryWriter _output;
    private readonly uint _hookType;
    private readonly uint _hookFunction;
    private readonly uint _refusedGlobal;
    private readonly uint _largestGlobal;
    private int _growSitesReplaced;

    public ModuleRewriter(ReadOnlySpan<byte> module, WasmModuleLayout layout)
    {
        _module = module;
        _layout = layout;
        _output = new WasmBinaryWriter(module.Length + 256);
        _hookType = (uint)layout.TypeCount;
        _hookFunction = (uint)(layout.ImportedFunctionCount + layout.DefinedFunctionCount);
        _refusedGlobal = (uint)(layout.ImportedGlobalCount + layout.DefinedGlobalCount);
        _largestGlobal = _refusedGlobal + 1;
    }

    public InstrumentResult Run()
    {
        var (before, after, atEnd) = PlanMissingSections();
        _output.WriteBytes(_module[..8]);
        for (var i = 0; i < _layout.Sections.Count; i++)
        {
            WriteNewSections(before, i);
            var section = _layout.Sections[i];
            if (Array.IndexOf(ExtendedSections, section.Id) >= 0)
            {
                WriteExtendedSection(section.Id, section);
            }
            else
            {
                _output.WriteBytes(_module[section.Start..section.End]);
            }

            WriteNewSections(after, i);
        }

        foreach (var id in atEnd)
        {
            WriteExtendedSection(id, null);
        }

        return InstrumentResult.Rewritten(_output.ToArray(), _growSitesReplaced);
    }

    /// <summary>
    /// Decides where each extended section the module lacks goes: right after the last
    /// non-custom section that must precede it, so custom sections that follow it (name,
    /// producers) stay last; or, when none precedes it, right before the first non-custom
    /// section, so custom sections that lead the module (dylink.0) stay first.
    /// </summary>
    private readonly (Dictionary<int, List<byte>> Before, Dictionary<int, List<byte>> After, List<byte> AtEnd) PlanMissingSections()
    {
        var before = new Dictionary<int, List<byte>>();
        var after = new Dictionary<int, List<byte>>();
        var atEnd = new List<byte>();
        foreach (var id in ExtendedSections)
        {
            if (_layout.Find(id) is not null)
            {
                continue;
            }

            var order = WasmSectionId.OrderOf(id);
            int lastLower = -1, firstKnown = -1;
            for (var i = 0; i < _layout.Sections.Count; i++)
            {
                var sectionId = _layout.Sections[i].Id;
                if (sectionId == WasmSectionId.Custom)
                {
                    continue;
                }

                firstKnown = firstKnown < 0 ? i : firstKnown;
                if (WasmSectionId.OrderOf(sectionId) < order)
                {
                    lastLower = i;
                }
            }

            if (lastLower >= 0)
            {
                Add(after, lastLower, id);
            }
            else if (firstKnown >= 0)
            {
                Add(before, firstKnown, id);
            }
            else
            {
                atEnd.Add(id);
            }
        }

        return (before, after, atEnd);

        static void Add(Dictionary<int, List<byte>> plan, int index, byte id)
        {
            if (!plan.TryGetValue(index, out var ids))
            {
                plan[index] = ids = [];
            }

            ids.Add(id);
        }
    }

    private void WriteNewSections(Dictionary<int, List<byte>> plan, int index)
    {
        if (plan.TryGetValue(index, out var ids))
        {
            foreach (var id in ids)
            {
                WriteExtendedSection(id, null);
            }
        }
    }

    private void WriteExtendedSection(byte id, WasmSection? original)
    {
        var content = new WasmBinaryWriter(original is { } s ? s.ContentLength + 64 : 64);
        var existing = original is { } o
            ? new WasmBinaryReader(_module.Slice(o.ContentStart, o.ContentLength), o.ContentStart)
            : new WasmBinaryReader([]);
        var count = original is null ? 0 : existing.ReadLength();

        switch (id)
        {
            case WasmSectionId.Type:
                content.WriteU32((uint)count + 1);
                content.WriteBytes(existing.ReadBytes(existing.Length - existing.Position));
                GrowHook.WriteType(content);
                break;
            case WasmSectionId.Function:
                content.WriteU32((uint)count + 1);
                content.WriteBytes(existing.ReadBytes(existing.Length - existing.Position));
                content.WriteU32(_hookType);
                break;
            case WasmSectionId.Global:
                content.WriteU32((uint)count + 2);
                content.WriteBytes(existing.ReadBytes(existing.Length - existing.Position));
                GrowHook.WriteCounterGlobal(content);
                GrowHook.WriteCounterGlobal(content);
                break;
            case WasmSectionId.Export:
                content.WriteU32((uint)count + 2);
                content.WriteBytes(existing.ReadBytes(existing.Length - existing.Position));
                GrowHook.WriteGlobalExport(content, WasmGrowInstrumenter.RefusedCountExport, _refusedGlobal);
                GrowHook.WriteGlobalExport(content, WasmGrowInstrumenter.LargestRefusedDeltaExport, _largestGlobal);
                break;
            case WasmSectionId.Code:
                content.WriteU32((uint)count + 1);
                RewriteBodies(ref existing, count, content);
                GrowHook.WriteBody(content, _refusedGlobal, _largestGlobal);
                break;
        }

        _output.WriteSection(id, content.WrittenSpan);
    }

    /// <summary>
    /// Copies every function body, replacing <c>memory.grow</c> on memory 0 by a call to
    /// the hook. Bodies without such a site are copied byte for byte.
    /// </summary>
    private void RewriteBodies(ref WasmBinaryReader code, int count, WasmBinaryWriter content)
    {
        var sites = new List<MemoryGrowSite>();
        var callLength = 1 + LebLength(_hookFunction);
        for (var i = 0; i < count; i++)
        {
            var entryStart = code.Position;
            var size = code.ReadLength();
            var bodyStart = code.Position;
            var bodyOffset = code.ModuleOffset;
            var body = code.ReadBytes(size);

            var reader = new WasmBinaryReader(body, bodyOffset);
            SkipLocals(ref reader);
            sites.Clear();
            InstructionWalker.WalkExpression(ref reader, sites);
            if (!reader.AtEnd)
            {
                throw new WasmFormatException("function body continues after its final end", reader.ModuleOffset);
            }

            var newSize = (long)size;
            var replaced = 0;
            foreach (var site in sites)
            {
                if (site.MemoryIndex == 0)
                {
                    newSize += callLength - site.Length;
                    replaced++;
                }
            }

            if (replaced == 0)
            {
                content.WriteBytes(code.Slice(entryStart, bodyStart + size));
                continue;
            }

            if (newSize > int.MaxValue)
            {
                throw new WasmFormatException("rewritten function body is too large", bodyOffset);
            }

            content.WriteU32((uint)newSize);
            var copied = 0;
            foreach (var site in sites)
            {
                if (site.MemoryIndex != 0)
                {
                    continue;
                }

                content.WriteBytes(body[copied..site.Position]);
                content.WriteByte(0x10); // call
                content.WriteU32(_hookFunction);
                copied = site.Position + site.Length;
            }

            content.WriteBytes(body[copied..]);
            _growSitesReplaced += replaced;
        }

        if (!code.AtEnd)
        {
            throw new WasmFormatException("code section has trailing bytes", code.ModuleOffset);
        }
    }

    private static void SkipLocals(ref WasmBinaryReader reader)
    {
        var groups = reader.ReadLength();
        for (var i = 0; i < groups; i++)
        {
            reader.ReadU32();
            WasmTypeReader.SkipValueType(ref reader);
        }
    }

    private static int LebLength(uint value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }

        return length;
    }
}
