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
            return new Rewriter(module, layout).Run();
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

    /// <summary>One rewrite of one module.</summary>
    private ref struct Rewriter
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
        private readonly HashSet<byte> _written = [];
        private int _growSitesReplaced;

        public Rewriter(ReadOnlySpan<byte> module, WasmModuleLayout layout)
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
            _output.WriteBytes(_module[..8]);
            foreach (var section in _layout.Sections)
            {
                if (section.Id != WasmSectionId.Custom)
                {
                    WriteMissingSectionsBefore(WasmSectionId.OrderOf(section.Id));
                }

                if (IsExtended(section.Id))
                {
                    WriteExtendedSection(section.Id, section);
                }
                else
                {
                    _output.WriteBytes(_module[section.Start..section.End]);
                }
            }

            WriteMissingSectionsBefore(int.MaxValue);
            return InstrumentResult.Rewritten(_output.ToArray(), _growSitesReplaced);
        }

        private static bool IsExtended(byte id) => Array.IndexOf(ExtendedSections, id) >= 0;

        /// <summary>Creates the extended sections the module lacks and that must precede order <paramref name="order"/>.</summary>
        private void WriteMissingSectionsBefore(int order)
        {
            foreach (var id in ExtendedSections)
            {
                if (WasmSectionId.OrderOf(id) < order && !_written.Contains(id) && _layout.Find(id) is null)
                {
                    WriteExtendedSection(id, null);
                }
            }
        }

        private void WriteExtendedSection(byte id, WasmSection? original)
        {
            _written.Add(id);
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
                    GrowHook.WriteGlobalExport(content, RefusedCountExport, _refusedGlobal);
                    GrowHook.WriteGlobalExport(content, LargestRefusedDeltaExport, _largestGlobal);
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
}
