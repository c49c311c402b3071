namespace Wasmbox.Core.Wasm;

/// <summary>
/// Reads (mostly: skips over) the type encodings that sit in sections and instruction
/// immediates: value types, heap types, block types, limits and composite types.
/// </summary>
/// <remarks>
/// The instrumenter never needs the meaning of a type, only where it ends, so that it can find
/// the next instruction or count the entries of the type section. Encodings follow the
/// WebAssembly 3.0 binary format (function references and GC included, as Wasmtime accepts
/// them by default). A form it does not know (e.g. the shared-everything <c>0x65</c> prefix or
/// stack-switching continuation types) is reported as a format error, never guessed.
/// </remarks>
internal static class WasmTypeReader
{
    /// <summary>Shorthand for a nullable reference: <c>0x63 heaptype</c>.</summary>
    public const byte RefNull = 0x63;

    /// <summary>Non-nullable reference: <c>0x64 heaptype</c>.</summary>
    public const byte Ref = 0x64;

    /// <summary>Value type <c>i32</c>.</summary>
    public const byte I32 = 0x7F;

    /// <summary>Skips one value type.</summary>
    public static void SkipValueType(ref WasmBinaryReader reader)
    {
        var start = reader.ModuleOffset;
        var b = reader.ReadByte();
        if (IsNumberOrVectorType(b) || IsAbstractHeapType(b))
        {
            return;
        }

        if (b is RefNull or Ref)
        {
            SkipHeapType(ref reader);
            return;
        }

        throw new WasmFormatException($"unknown value type 0x{b:X2}", start);
    }

    /// <summary>Skips one heap type: an abstract heap type byte or a non-negative s33 type index.</summary>
    public static void SkipHeapType(ref WasmBinaryReader reader)
    {
        var start = reader.ModuleOffset;
        var first = reader.PeekByte();
        var value = reader.ReadS33();
        if (value >= 0)
        {
            return;
        }

        if (reader.ModuleOffset - start == 1 && IsAbstractHeapType(first))
        {
            return;
        }

        throw new WasmFormatException($"unknown heap type 0x{first:X2}", start);
    }

    /// <summary>Skips a block type: <c>0x40</c>, a value type, or a non-negative s33 type index.</summary>
    public static void SkipBlockType(ref WasmBinaryReader reader)
    {
        var start = reader.ModuleOffset;
        var b = reader.PeekByte();
        if (b == 0x40)
        {
            reader.ReadByte();
            return;
        }

        if (IsNumberOrVectorType(b) || IsAbstractHeapType(b) || b is RefNull or Ref)
        {
            SkipValueType(ref reader);
            return;
        }

        var index = reader.ReadS33();
        if (index < 0)
        {
            throw new WasmFormatException($"unknown block type 0x{b:X2}", start);
        }
    }

    /// <summary>Skips a result type: a vector of value types.</summary>
    public static void SkipResultType(ref WasmBinaryReader reader)
    {
        var count = reader.ReadLength();
        for (var i = 0; i < count; i++)
        {
            SkipValueType(ref reader);
        }
    }

    /// <summary>
    /// Reads limits (of a memory or table type). The flag byte says: bit 0 a maximum follows,
    /// bit 1 shared (threads), bit 2 64-bit addresses (memory64/table64), bit 3 a custom page
    /// size follows (custom-page-sizes).
    /// </summary>
    /// <returns>True when the limits are 64-bit.</returns>
    public static bool ReadLimits(ref WasmBinaryReader reader, out bool shared)
    {
        var start = reader.ModuleOffset;
        var flags = reader.ReadByte();
        if ((flags & ~0x0F) != 0)
        {
            throw new WasmFormatException($"unknown limits flags 0x{flags:X2}", start);
        }

        var is64 = (flags & 0x04) != 0;
        shared = (flags & 0x02) != 0;
        // The 3.0 binary format encodes both bounds as u64 whatever the address type; the
        // 32-bit range is a validation rule, left to Wasmtime.
        reader.ReadU64();
        if ((flags & 0x01) != 0)
        {
            reader.ReadU64();
        }

        if ((flags & 0x08) != 0)
        {
            reader.ReadU32();
        }

        return is64;
    }

    /// <summary>Skips a table type: a reference type followed by limits.</summary>
    public static void SkipTableType(ref WasmBinaryReader reader)
    {
        SkipValueType(ref reader);
        ReadLimits(ref reader, out _);
    }

    /// <summary>Skips a global type: a value type followed by a mutability byte.</summary>
    public static void SkipGlobalType(ref WasmBinaryReader reader)
    {
        SkipValueType(ref reader);
        SkipMutability(ref reader);
    }

    /// <summary>
    /// Skips one entry of the type section (a <c>rec</c> group or a single subtype) and returns
    /// how many types it defines; the type index space counts the members of every group.
    /// </summary>
    public static int SkipRecType(ref WasmBinaryReader reader)
    {
        if (reader.PeekByte() == 0x4E)
        {
            reader.ReadByte();
            var count = reader.ReadLength();
            for (var i = 0; i < count; i++)
            {
                SkipSubType(ref reader);
            }

            return count;
        }

        SkipSubType(ref reader);
        return 1;
    }

    private static void SkipSubType(ref WasmBinaryReader reader)
    {
        var b = reader.PeekByte();
        if (b is 0x50 or 0x4F)
        {
            reader.ReadByte();
            var supertypes = reader.ReadLength();
            for (var i = 0; i < supertypes; i++)
            {
                reader.ReadU32();
            }
        }

        SkipCompositeType(ref reader);
    }

    private static void SkipCompositeType(ref WasmBinaryReader reader)
    {
        var start = reader.ModuleOffset;
        var form = reader.ReadByte();
        switch (form)
        {
            case 0x60:
                SkipResultType(ref reader);
                SkipResultType(ref reader);
                break;
            case 0x5F:
                var fields = reader.ReadLength();
                for (var i = 0; i < fields; i++)
                {
                    SkipFieldType(ref reader);
                }

                break;
            case 0x5E:
                SkipFieldType(ref reader);
                break;
            default:
                throw new WasmFormatException($"unknown type form 0x{form:X2}", start);
        }
    }

    private static void SkipFieldType(ref WasmBinaryReader reader)
    {
        var b = reader.PeekByte();
        if (b is 0x77 or 0x78)
        {
            reader.ReadByte();
        }
        else
        {
            SkipValueType(ref reader);
        }

        SkipMutability(ref reader);
    }

    private static void SkipMutability(ref WasmBinaryReader reader)
    {
        var start = reader.ModuleOffset;
        var mutability = reader.ReadByte();
        if (mutability > 1)
        {
            throw new WasmFormatException($"unknown mutability 0x{mutability:X2}", start);
        }
    }

    private static bool IsNumberOrVectorType(byte b) => b is >= 0x7B and <= 0x7F;

    private static bool IsAbstractHeapType(byte b) => b is >= 0x69 and <= 0x74;
}
