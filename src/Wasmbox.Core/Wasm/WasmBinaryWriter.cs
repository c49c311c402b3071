using System.Text;

namespace Wasmbox.Core.Wasm;

/// <summary>
/// Growable byte buffer that writes WebAssembly binary data: raw bytes, LEB128 integers, names
/// and size-prefixed sections.
/// </summary>
/// <remarks>
/// The rewritten module is mostly copies of the original bytes, so the writer is a plain array
/// that doubles when full; integers are always written in their shortest LEB128 form.
/// </remarks>
internal sealed class WasmBinaryWriter
{
    private byte[] _buffer;

    /// <summary>Creates a writer whose buffer starts at <paramref name="initialCapacity"/> bytes.</summary>
    public WasmBinaryWriter(int initialCapacity = 256)
    {
        _buffer = new byte[Math.Max(16, initialCapacity)];
    }

    /// <summary>Number of bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    /// <summary>Writes one byte.</summary>
    public void WriteByte(byte value)
    {
        EnsureRoom(1);
        _buffer[Length++] = value;
    }

    /// <summary>Writes raw bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>Writes an unsigned LEB128 integer.</summary>
    public void WriteU32(uint value)
    {
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0)
            {
                b |= 0x80;
            }

            WriteByte(b);
        }
        while (value != 0);
    }

    /// <summary>Writes a signed LEB128 integer.</summary>
    public void WriteS32(int value)
    {
        while (true)
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            var done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
            if (!done)
            {
                b |= 0x80;
            }

            WriteByte(b);
            if (done)
            {
                return;
            }
        }
    }

    /// <summary>Writes a name: its UTF-8 byte length as LEB128, then the bytes.</summary>
    public void WriteName(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        WriteU32((uint)bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>Writes a section: its id, the LEB128 size of <paramref name="content"/>, then the content.</summary>
    public void WriteSection(byte id, ReadOnlySpan<byte> content)
    {
        WriteByte(id);
        WriteU32((uint)content.Length);
        WriteBytes(content);
    }

    /// <summary>Copies the written bytes into a new array.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    private void EnsureRoom(int extra)
    {
        var needed = (long)Length + extra;
        if (needed <= _buffer.Length)
        {
            return;
        }

        var newSize = Math.Max(needed, (long)_buffer.Length * 2);
        if (newSize > Array.MaxLength)
        {
            newSize = needed <= Array.MaxLength ? Array.MaxLength : throw new WasmFormatException("module too large to rewrite", Length);
        }

        Array.Resize(ref _buffer, (int)newSize);
    }
}
