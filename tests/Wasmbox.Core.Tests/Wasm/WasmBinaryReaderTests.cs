using Wasmbox.Core.Wasm;

namespace Wasmbox.Core.Tests.Wasm;

/// <summary>LEB128 decoding follows the spec's length and unused-bit rules.</summary>
public class WasmBinaryReaderTests
{
    [Theory]
    [InlineData("00", 0u)]
    [InlineData("7F", 127u)]
    [InlineData("8001", 128u)]
    [InlineData("8000", 0u)] // non-minimal but within 5 bytes: valid
    [InlineData("8080808000", 0u)]
    [InlineData("FFFFFFFF0F", uint.MaxValue)]
    public void U32Accepts(string hex, uint expected)
    {
        var reader = new WasmBinaryReader(Convert.FromHexString(hex));
        Assert.Equal(expected, reader.ReadU32());
        Assert.True(reader.AtEnd);
    }

    [Theory]
    [InlineData("808080808000")] // six bytes
    [InlineData("FFFFFFFF1F")] // bit 32 set
    [InlineData("FFFFFFFF7F")]
    [InlineData("80")] // truncated
    [InlineData("")]
    public void U32RejectsOverLongOrTruncated(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.Throws<WasmFormatException>(() => new WasmBinaryReader(bytes).ReadU32());
    }

    [Theory]
    [InlineData("7F", -1)]
    [InlineData("40", -64)]
    [InlineData("3F", 63)]
    [InlineData("C000", 64)]
    [InlineData("FFFFFFFF7F", -1)]
    [InlineData("FFFFFFFF07", int.MaxValue)]
    [InlineData("8080808078", int.MinValue)]
    public void S32Accepts(string hex, int expected)
    {
        var reader = new WasmBinaryReader(Convert.FromHexString(hex));
        Assert.Equal(expected, reader.ReadS32());
        Assert.True(reader.AtEnd);
    }

    [Theory]
    [InlineData("FFFFFFFF0F")] // sign bit set, unused bits clear
    [InlineData("8080808070")] // sign bit clear, unused bits set
    [InlineData("FFFFFFFFFF7F")] // six bytes
    public void S32RejectsOverLong(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.Throws<WasmFormatException>(() => new WasmBinaryReader(bytes).ReadS32());
    }

    [Theory]
    [InlineData("80808080808080808001", true)]
    [InlineData("80808080808080808002", false)]
    [InlineData("8080808080808080808000", false)]
    public void U64LastByteHoldsOneBit(string hex, bool valid)
    {
        var bytes = Convert.FromHexString(hex);
        if (valid)
        {
            Assert.Equal(1UL << 63, new WasmBinaryReader(bytes).ReadU64());
        }
        else
        {
            Assert.Throws<WasmFormatException>(() => new WasmBinaryReader(bytes).ReadU64());
        }
    }

    [Theory]
    [InlineData("8080808080808080807F", long.MinValue)]
    [InlineData("FFFFFFFFFFFFFFFFFF00", long.MaxValue)]
    public void S64Accepts(string hex, long expected)
    {
        Assert.Equal(expected, new WasmBinaryReader(Convert.FromHexString(hex)).ReadS64());
    }

    [Theory]
    [InlineData("80808080808080808001")]
    [InlineData("FFFFFFFFFFFFFFFFFF7E")]
    public void S64RejectsBadSignBits(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.Throws<WasmFormatException>(() => new WasmBinaryReader(bytes).ReadS64());
    }

    [Theory]
    [InlineData("FFFFFFFF0F", 0xFFFFFFFFL)] // s33 holds every u32 type index
    [InlineData("8080808070", -(1L << 32))]
    [InlineData("40", -64L)]
    public void S33Accepts(string hex, long expected)
    {
        Assert.Equal(expected, new WasmBinaryReader(Convert.FromHexString(hex)).ReadS33());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(-1)]
    [InlineData(-65)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void WriterRoundTripsSignedValues(int value)
    {
        var writer = new WasmBinaryWriter();
        writer.WriteS32(value);
        Assert.Equal(value, new WasmBinaryReader(writer.ToArray()).ReadS32());
    }

    [Fact]
    public void NamesMustBeValidUtf8()
    {
        var bytes = new byte[] { 2, 0xC3, 0x28 };
        Assert.Throws<WasmFormatException>(() => new WasmBinaryReader(bytes).ReadName());
    }
}
