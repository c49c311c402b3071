using System.Globalization;

namespace Wasmbox.Core.Units;

/// <summary>Parses and prints byte sizes written as on the command line: <c>65536</c>, <c>512KiB</c>, <c>64MiB</c>, <c>1GiB</c>.</summary>
/// <remarks>
/// Only binary units are accepted. "MB" is refused rather than guessed, because a limit that is off by 5 % in the
/// guest's favour is a limit that does not hold (see docs/RATIONALE.md, "Why only binary size units?").
/// </remarks>
public static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40), ("B", 1L),
    ];

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> with a message that says what is accepted.</summary>
    public static long Parse(string text)
    {
        if (TryParse(text, out var bytes)) return bytes;
        throw new FormatException($"'{text}' is not a size; write a whole number with B, KiB, MiB or GiB, e.g. 64MiB");
    }

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        long factor = 1;
        foreach (var (suffix, f) in Units)
        {
            if (s.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                s = s[..^suffix.Length].TrimEnd();
                factor = f;
                break;
            }
        }
        if (s.Length == 0 || !s.All(char.IsAsciiDigit)) return false;
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
        try { bytes = checked(n * factor); }
        catch (OverflowException) { return false; }
        return true;
    }

    /// <summary>Formats with the largest unit that divides the value exactly, so <c>Format(Parse(x))</c> round-trips.</summary>
    public static string Format(long bytes)
    {
        foreach (var (suffix, factor) in Units.Where(u => u.Factor > 1).OrderByDescending(u => u.Factor))
        {
            if (bytes != 0 && bytes % factor == 0) return (bytes / factor).ToString(CultureInfo.InvariantCulture) + suffix;
        }
        return bytes.ToString(CultureInfo.InvariantCulture) + "B";
    }
}
