using Wasmbox.Core.Units;

namespace Wasmbox.Core.Tests.Units;

public class ByteSizeTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("65536", 65536L)]
    [InlineData("100B", 100L)]
    [InlineData("512KiB", 512L * 1024)]
    [InlineData("64MiB", 64L << 20)]
    [InlineData("64mib", 64L << 20)]
    [InlineData(" 2GiB ", 2L << 30)]
    [InlineData("1TiB", 1L << 40)]
    public void Parse_ValidSize_ReturnsBytes(string text, long expected) => Assert.Equal(expected, ByteSize.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("MiB")]
    [InlineData("12XB")]
    [InlineData("64MB")]
    [InlineData("1.5GiB")]
    [InlineData("-1MiB")]
    [InlineData("99999999999999999999")]
    [InlineData("9999999999TiB")]
    public void Parse_InvalidSize_ThrowsWithHint(string text)
    {
        var e = Assert.Throws<FormatException>(() => ByteSize.Parse(text));
        Assert.Contains("KiB, MiB or GiB", e.Message);
    }

    [Theory]
    [InlineData(64L << 20, "64MiB")]
    [InlineData(1536L * 1024, "1536KiB")]
    [InlineData(100L, "100B")]
    [InlineData(2L << 30, "2GiB")]
    public void Format_RoundTrips(long bytes, string text)
    {
        Assert.Equal(text, ByteSize.Format(bytes));
        Assert.Equal(bytes, ByteSize.Parse(text));
    }
}
