using System.Text;

namespace Wasmbox.Core.Wasm;

/// <summary>
/// Forward-only reader over WebAssembly binary data: bytes, LEB128 integers and names.
/// </summary>
/// <remarks>
/// Every read is bounds-checked and throws <see cref="WasmFormatException"/> instead of an
/// index exception, because the input is an untrusted guest module. The LEB128 readers follow
/// the spec: an N-bit integer takes at most ceil(N/7) bytes, and the unused high bits of the
/// last byte must be zero (unsigned) or copies of the sign bit (signed). Anything longer is an
/// over-long encoding and is rejected.
/// </remarks>
internal ref struct WasmBinaryReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;

    /// <summary>Creates a reader over <paramref name="data"/>, whose first byte sits at <paramref name="baseOffset"/> in the module.</summary>
    public WasmBinaryReader(ReadOnlySpan<byte> data, int baseOffset = 0)
    {
        _data = data;
        _baseOffset = baseOffset;
        Position = 0;
    }

    /// <summary>Current position, relative to the start of the data given to the constructor.</summary>
    public int Position { get; private set; }

    /// <summary>Number of bytes this reader covers.</summary>
    public readonly int Length => _data.Length;

    /// <summary>True when every byte has been read.</summary>
    public readonly bool AtEnd => Position >= _data.Length;

    /// <summary>Current position as an offset in the whole module, for error messages.</summary>
    public readonly int ModuleOffset => _baseOffset + Position;

    /// <summary>Offset in the whole module of the first byte this reader covers.</summary>
    public readonly int BaseOffset => _baseOffset;

    /// <summary>Reads one byte.</summary>
    public byte ReadByte()
    {
        if (Position >= _data.Length)
        {
            throw new WasmFormatException("unexpected end of data", ModuleOffset);
        }

        return _data[Position++];
    }

    /// <summary>Returns the next byte without consuming it.</summary>
    public readonly byte PeekByte()
    {
        if (Position >= _data.Length)
        {
            throw new WasmFormatException("unexpected end of data", ModuleOffset);
        }

        return _data[Position];
    }

    /// <summary>Reads <paramref name="count"/> raw bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > _data.Length - Position)
        {
            throw new WasmFormatException($"length {count} runs past the end of the data", ModuleOffset);
        }

        var slice = _data.Slice(Position, count);
        Position += count;
        return slice;
    }

    /// <summary>Bytes between two positions of this reader, for copying them unchanged.</summary>
    public readonly ReadOnlySpan<byte> Slice(int start, int end) => _data[start..end];

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(int count) => ReadBytes(count);

    /// <summary>Reads an unsigned 32-bit LEB128 integer (at most 5 bytes).</summary>
    public uint ReadU32() => (uint)ReadUnsigned(32);

    /// <summary>Reads an unsigned 64-bit LEB128 integer (at most 10 bytes).</summary>
    public ulong ReadU64() => ReadUnsigned(64);

    /// <summary>Reads an unsigned 32-bit LEB128 length or count and checks it fits in an <see cref="int"/>.</summary>
    public int ReadLength()
    {
        var start = ModuleOffset;
        var value = ReadU32();
        if (value > int.MaxValue)
        {
            throw new WasmFormatException($"length {value} is too large", start);
        }

        return (int)value;
    }

    /// <summary>Reads a signed 32-bit LEB128 integer (at most 5 bytes).</summary>
    public int ReadS32() => (int)ReadSigned(32);

    /// <summary>Reads a signed 33-bit LEB128 integer, the encoding of block types and heap types.</summary>
    public long ReadS33() => ReadSigned(33);

    /// <summary>Reads a signed 64-bit LEB128 integer (at most 10 bytes).</summary>
    public long ReadS64() => ReadSigned(64);

    /// <summary>Reads a name: a LEB128 byte length followed by UTF-8 text, which must be valid.</summary>
    public string ReadName()
    {
        var length = ReadLength();
        var start = ModuleOffset;
        var bytes = ReadBytes(length);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new WasmFormatException("name is not valid UTF-8", start);
        }
    }

    private ulong ReadUnsigned(int bits)
    {
        var start = ModuleOffset;
        var maxBytes = (bits + 6) / 7;
        ulong result = 0;
        for (var i = 0; i < maxBytes; i++)
        {
            var b = ReadByte();
            var shift = 7 * i;
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (i == maxBytes - 1)
                {
                    var usedBits = bits - shift;
                    if ((b & 0x7F) >> usedBits != 0)
                    {
                        throw new WasmFormatException($"LEB128 u{bits} has bits set beyond its width", start);
                    }
                }

                return result;
            }
        }

        throw new WasmFormatException($"LEB128 u{bits} is longer than {maxBytes} bytes", start);
    }

    private long ReadSigned(int bits)
    {
        var start = ModuleOffset;
        var maxBytes = (bits + 6) / 7;
        long result = 0;
        for (var i = 0; i < maxBytes; i++)
        {
            var b = ReadByte();
            var shift = 7 * i;
            result |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (i == maxBytes - 1)
                {
                    // The last byte holds usedBits value bits; the bit just below them is the sign,
                    // and every bit above them must repeat it.
                    var usedBits = bits - shift;
                    var signBit = (b >> (usedBits - 1)) & 1;
                    var unused = (b & 0x7F) >> usedBits;
                    var expected = signBit == 0 ? 0 : (0x7F >> usedBits);
                    if (unused != expected)
                    {
                        throw new WasmFormatException($"LEB128 s{bits} has bits beyond its width that are not sign bits", start);
                    }
                }

                var consumedBits = shift + 7;
                if (consumedBits < 64 && (b & 0x40) != 0)
                {
                    result |= -1L << consumedBits;
                }

                return result;
            }
        }

        throw new WasmFormatException($"LEB128 s{bits} is longer than {maxBytes} bytes", start);
    }
}
