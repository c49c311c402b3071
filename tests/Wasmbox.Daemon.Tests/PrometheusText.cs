using System.Globalization;
using System.Text;

namespace Wasmbox.Daemon.Tests;

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, as a scraper would read it, plus the rules a
/// well-formed exposition keeps: <c># TYPE</c> at most once per family and before its samples, samples of a family
/// together, no series twice, escapes only <c>\\</c>, <c>\"</c> and <c>\n</c> in label values (and <c>\\</c>, <c>\n</c> in
/// help), counters named <c>*_total</c>, histograms with <c>le</c> buckets that never decrease, a <c>+Inf</c> bucket equal to
/// <c>_count</c>, and a <c>_sum</c>. Any breach throws <see cref="FormatException"/> naming the line.
/// </summary>
public sealed class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public Dictionary<string, string> Types { get; } = [];
    public Dictionary<string, string> Help { get; } = [];
    public List<Sample> Samples { get; } = [];

    /// <summary>The value of the one series with this name and exactly these labels.</summary>
    public double Value(string name, params (string Key, string Value)[] labels) =>
        Find(name, labels) ?? throw new KeyNotFoundException($"no series {name}{{{string.Join(',', labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}}");

    public double? Find(string name, params (string Key, string Value)[] labels) =>
        Samples.SingleOrDefault(s => s.Name == name && s.Labels.Count == labels.Length && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))?.Value;

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("the exposition does not end with a newline");
        var seen = new HashSet<string>();
        var closedFamilies = new HashSet<string>();
        string? currentFamily = null;
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length - 1; n++)
        {
            var line = lines[n];
            string Where() => $"line {n + 1} '{line}'";
            if (line.Length == 0) continue;
            if (line.Contains('\r')) throw new FormatException($"{Where()}: carriage return");
            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[0] == "#" && parts[1] is "HELP" or "TYPE")
                {
                    var name = parts[2];
                    if (!IsMetricName(name)) throw new FormatException($"{Where()}: bad metric name");
                    if (parts[1] == "TYPE")
                    {
                        var type = parts.Length == 4 ? parts[3] : throw new FormatException($"{Where()}: TYPE without a type");
                        if (type is not ("counter" or "gauge" or "histogram" or "summary" or "untyped")) throw new FormatException($"{Where()}: unknown type");
                        if (!result.Types.TryAdd(name, type)) throw new FormatException($"{Where()}: second TYPE for {name}");
                        if (result.Samples.Any(s => FamilyOf(s.Name, result.Types) == name)) throw new FormatException($"{Where()}: TYPE after samples of {name}");
                        if (type == "counter" && !name.EndsWith("_total", StringComparison.Ordinal)) throw new FormatException($"{Where()}: a counter not named *_total");
                    }
                    else
                    {
                        var help = parts.Length == 4 ? parts[3] : "";
                        if (!result.Help.TryAdd(name, Unescape(help, quotes: false, Where))) throw new FormatException($"{Where()}: second HELP for {name}");
                    }
                }
                continue; // any other comment
            }

            var sample = ParseSample(line, Where);
            var family = FamilyOf(sample.Name, result.Types);
            if (family != currentFamily)
            {
                if (currentFamily is not null) closedFamilies.Add(currentFamily);
                if (closedFamilies.Contains(family)) throw new FormatException($"{Where()}: samples of {family} are not together");
                currentFamily = family;
            }
            var key = sample.Name + "{" + string.Join(',', sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (!seen.Add(key)) throw new FormatException($"{Where()}: the series {key} appears twice");
            if (result.Types.TryGetValue(family, out var t) && t == "counter" && (sample.Value < 0 || double.IsNaN(sample.Value)))
                throw new FormatException($"{Where()}: a counter below zero");
            result.Samples.Add(sample);
        }
        foreach (var (name, type) in result.Types.Where(t => t.Value == "histogram")) CheckHistogram(result, name);
        return result;
    }

    private static void CheckHistogram(PrometheusText p, string name)
    {
        var buckets = p.Samples.Where(s => s.Name == name + "_bucket").ToList();
        foreach (var series in buckets.GroupBy(s => string.Join(',', s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))))
        {
            var ordered = series.Select(s => (Le: s.Labels.TryGetValue("le", out var le) ? ParseValue(le) : throw new FormatException($"{name}_bucket without le"), s.Value))
                .OrderBy(b => b.Le).ToList();
            if (!double.IsPositiveInfinity(ordered[^1].Le)) throw new FormatException($"{name}: no le=\"+Inf\" bucket");
            for (var i = 1; i < ordered.Count; i++)
                if (ordered[i].Value < ordered[i - 1].Value) throw new FormatException($"{name}: bucket le={ordered[i].Le} is below le={ordered[i - 1].Le}");
            var labels = series.First().Labels.Where(l => l.Key != "le").Select(l => (l.Key, l.Value)).ToArray();
            var count = p.Find(name + "_count", labels) ?? throw new FormatException($"{name}: no _count");
            _ = p.Find(name + "_sum", labels) ?? throw new FormatException($"{name}: no _sum");
            if (count != ordered[^1].Value) throw new FormatException($"{name}: _count {count} differs from the +Inf bucket {ordered[^1].Value}");
        }
    }

    private static string FamilyOf(string sampleName, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(sampleName[..^suffix.Length], out var t) && t is "histogram" or "summary")
                return sampleName[..^suffix.Length];
        }
        return sampleName;
    }

    private static Sample ParseSample(string line, Func<string> where)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' ')) i++;
        var name = line[..i];
        if (!IsMetricName(name)) throw new FormatException($"{where()}: bad metric name '{name}'");
        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i >= line.Length) throw new FormatException($"{where()}: unterminated labels");
                if (line[i] == '}') { i++; break; }
                var start = i;
                while (i < line.Length && line[i] != '=') i++;
                var label = line[start..i];
                if (!IsLabelName(label)) throw new FormatException($"{where()}: bad label name '{label}'");
                if (i + 1 >= line.Length || line[i + 1] != '"') throw new FormatException($"{where()}: label value not quoted");
                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length) throw new FormatException($"{where()}: unterminated label value");
                    var c = line[i++];
                    if (c == '"') break;
                    if (c == '\\')
                    {
                        if (i >= line.Length) throw new FormatException($"{where()}: dangling escape");
                        value.Append(line[i++] switch { '\\' => '\\', '"' => '"', 'n' => '\n', var x => throw new FormatException($"{where()}: bad escape \\{x}") });
                    }
                    else value.Append(c);
                }
                if (!labels.TryAdd(label, value.ToString())) throw new FormatException($"{where()}: label {label} twice");
                if (i < line.Length && line[i] == ',') i++;
                else if (i >= line.Length || line[i] != '}') throw new FormatException($"{where()}: expected , or }}");
            }
        }
        if (i >= line.Length || line[i] != ' ') throw new FormatException($"{where()}: no space before the value");
        var rest = line[(i + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2) throw new FormatException($"{where()}: expected a value and an optional timestamp");
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) throw new FormatException($"{where()}: bad timestamp");
        return new Sample(name, labels, ParseValue(rest[0]));
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && !text.Contains("Infinity", StringComparison.OrdinalIgnoreCase) => v,
        _ => throw new FormatException($"'{text}' is not a sample value"),
    };

    private static string Unescape(string text, bool quotes, Func<string> where)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\') { sb.Append(text[i]); continue; }
            if (++i >= text.Length) throw new FormatException($"{where()}: dangling escape");
            sb.Append(text[i] switch { '\\' => '\\', 'n' => '\n', '"' when quotes => '"', var x => throw new FormatException($"{where()}: bad escape \\{x}") });
        }
        return sb.ToString();
    }

    private static bool IsMetricName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] is '_' or ':') && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    private static bool IsLabelName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !s.StartsWith("__", StringComparison.Ordinal);
}
