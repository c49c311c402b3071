using Wasmbox.Core.Units;

namespace Wasmbox.Core.Tests.Units;

public class DurationTextTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5000)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    public void Parse_ValidDuration_ReturnsMilliseconds(string text, double ms) =>
        Assert.Equal(TimeSpan.FromMilliseconds(ms), DurationText.Parse(text));

    [Theory]
    [InlineData("5")]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("0s")]
    [InlineData("-1s")]
    [InlineData("5 sec")]
    [InlineData("1e3ms")]
    [InlineData("400d")]
    public void Parse_InvalidDuration_ThrowsWithHint(string text)
    {
        var e = Assert.Throws<FormatException>(() => DurationText.Parse(text));
        Assert.Contains("ms, s, m or h", e.Message);
    }
}
