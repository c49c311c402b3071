using System.Globalization;

namespace Wasmbox.Core.Units;

/// <summary>Parses durations written as on the command line: <c>250ms</c>, <c>5s</c>, <c>1.5s</c>, <c>2m</c>, <c>1h</c>.</summary>
/// <remarks>A bare number is refused: "--timeout 5" could mean seconds or milliseconds, and guessing wrong makes a limit useless.</remarks>
public static class DurationText
{
    private static readonly (string Suffix, double Millis)[] Units =
    [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000),
    ];

    public static TimeSpan Parse(string text)
    {
        if (TryParse(text, out var value)) return value;
        throw new FormatException($"'{text}' is not a duration; write a positive number with ms, s, m or h, e.g. 250ms or 5s");
    }

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        // "ms" must be tried before "m" and "s".
        foreach (var (suffix, millis) in Units)
        {
            if (!s.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var number = s[..^suffix.Length];
            if (number.Length == 0 || !number.All(c => char.IsAsciiDigit(c) || c == '.')) return false;
            if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return false;
            var total = n * millis;
            if (total <= 0 || total > TimeSpan.FromDays(365).TotalMilliseconds) return false;
            value = TimeSpan.FromMilliseconds(total);
            return true;
        }
        return false;
    }

    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds % 1000 == 0
            ? (value.TotalMilliseconds / 1000).ToString(CultureInfo.InvariantCulture) + "s"
            : value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
}
