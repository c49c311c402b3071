using System.Text;

namespace Wasmbox.Programs.Tests.Differential;

/// <summary>Everything a run left that a user could see: exit status, stdout and stderr bytes, and every file and
/// folder in the run's folder (a folder maps to null).</summary>
public sealed record Observed(int ExitCode, byte[] Stdout, byte[] Stderr, SortedDictionary<string, byte[]?> Files)
{
    /// <summary>Reads every entry under <paramref name="root"/>, by relative path with '/' separators.</summary>
    public static SortedDictionary<string, byte[]?> Snapshot(string root)
    {
        var files = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, entry).Replace(Path.DirectorySeparatorChar, '/');
            files[relative] = Directory.Exists(entry) ? null : File.ReadAllBytes(entry);
        }
        return files;
    }

    /// <summary>How <paramref name="actual"/> differs from <paramref name="expected"/>, one paragraph per
    /// difference; empty when they are the same byte for byte.</summary>
    public static List<string> Differences(Observed expected, Observed actual)
    {
        var differences = new List<string>();
        if (expected.ExitCode != actual.ExitCode)
            differences.Add($"exit status: oracle {expected.ExitCode}, wasmbox {actual.ExitCode}");
        Compare("stdout", expected.Stdout, actual.Stdout, differences);
        Compare("stderr", expected.Stderr, actual.Stderr, differences);
        foreach (var path in expected.Files.Keys.Union(actual.Files.Keys).Order(StringComparer.Ordinal))
        {
            var inOracle = expected.Files.TryGetValue(path, out var e);
            var inActual = actual.Files.TryGetValue(path, out var a);
            if (!inActual) differences.Add($"{path}: written by the oracle, missing under wasmbox");
            else if (!inOracle) differences.Add($"{path}: left by wasmbox, not by the oracle");
            else if (e is null != a is null) differences.Add($"{path}: a {(e is null ? "folder" : "file")} under the oracle, a {(a is null ? "folder" : "file")} under wasmbox");
            else if (e is not null) Compare(path, e, a!, differences);
        }
        return differences;
    }

    private static void Compare(string what, byte[] expected, byte[] actual, List<string> differences)
    {
        if (expected.AsSpan().SequenceEqual(actual)) return;
        var at = expected.AsSpan().CommonPrefixLength(actual);
        differences.Add($"{what}: oracle {expected.Length} bytes, wasmbox {actual.Length} bytes, first difference at byte {at}\n" +
                        $"  oracle : {Excerpt(expected, at)}\n" +
                        $"  wasmbox: {Excerpt(actual, at)}");
    }

    /// <summary>Up to 300 bytes from a little before <paramref name="at"/>, as escaped text.</summary>
    public static string Excerpt(byte[] bytes, int at)
    {
        var from = Math.Max(0, at - 60);
        var text = Encoding.UTF8.GetString(bytes, from, Math.Min(300, bytes.Length - from));
        var escaped = new StringBuilder(from > 0 ? "…\"" : "\"");
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '"' => "\\\"",
                < ' ' or '\uFFFD' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return escaped.Append(from + 300 < bytes.Length ? "\"…" : "\"").ToString();
    }
}
