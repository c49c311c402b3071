using System.Globalization;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;
using Tomlyn.Serialization;
using Tomlyn.Syntax;

namespace Wasmbox.Core.Policy;

/// <summary>
/// Reads a TOML policy file. Its keys are the long names of <c>wasmbox run</c>'s options, so a file and a command line say
/// the same thing in the same words:
/// <code>
/// dir = ["./data::/data"]
/// ro-dir = ["/usr/share/dict::/dict"]
/// env = ["LANG=C", "HOME"]
/// max-memory = "64MiB"
/// fuel = 100000000
/// timeout = "5s"
/// stdin = "none"
/// isolation = "jail"
/// cpu-time = "2s"
/// cpus = 0.5
/// allow-net = ["api.example.com:443", "10.0.0.0/8:*"]
/// max-connections = 8
/// max-net-bytes = "10MiB"
/// </code>
/// Relative host paths are resolved against the file's folder, so a policy travels with the files it grants.
/// </summary>
public static class PolicyFile
{
    /// <summary>Every key a policy file may hold; anything else is refused so a typo never silently drops a limit.</summary>
    public static readonly IReadOnlyList<string> Keys =
        ["dir", "ro-dir", "env", "max-memory", "fuel", "timeout", "stdin", "isolation",
         "max-open-files", "max-disk-write", "max-output", "listen", "deterministic", "seed", "cpu-time", "cpus",
         "max-compile-time", "max-compile-memory", "allow-net", "max-connections", "max-net-bytes"];

    public static PolicySettings Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException($"--policy {path}: cannot read it ({e.Message}); check the path");
        }
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Parse(text, Path.GetFileName(path), baseDir);
    }

    public static PolicySettings Parse(string text, string sourceName, string baseDirectory) =>
        FromTable(ParseToml(text, sourceName), sourceName, baseDirectory);

    /// <summary>
    /// A policy written as a JSON object with the same keys and value shapes as the TOML file (the daemon's API):
    /// strings, whole numbers, decimals, booleans, lists of strings, and <c>env</c> as a list or an object. The same
    /// checks and messages as a file apply; <paramref name="sourceName"/> names it in them (e.g. "policy").
    /// </summary>
    public static PolicySettings FromJson(System.Text.Json.JsonElement policy, string sourceName, string baseDirectory)
    {
        if (policy.ValueKind != System.Text.Json.JsonValueKind.Object)
            throw new PolicyException($"{sourceName}: expected an object of settings (the keys of a policy file), found {policy.ValueKind.ToString().ToLowerInvariant()}");
        var table = new TomlTable();
        foreach (var property in policy.EnumerateObject())
        {
            if (table.ContainsKey(property.Name))
                throw new PolicyException($"{sourceName}: '{property.Name}' is set twice; keep one");
            table[property.Name] = FromJsonValue(property.Value, $"{sourceName}: {property.Name}");
        }
        return FromTable(table, sourceName, baseDirectory);
    }

    private static object FromJsonValue(System.Text.Json.JsonElement value, string source) => value.ValueKind switch
    {
        System.Text.Json.JsonValueKind.String => value.GetString()!,
        System.Text.Json.JsonValueKind.True => true,
        System.Text.Json.JsonValueKind.False => false,
        System.Text.Json.JsonValueKind.Number when value.TryGetInt64(out var n) => n,
        System.Text.Json.JsonValueKind.Number => value.GetDouble(),
        System.Text.Json.JsonValueKind.Array => ToArray(value, source),
        System.Text.Json.JsonValueKind.Object => ToTable(value, source),
        _ => throw new PolicyException($"{source}: expected a value, found null"),
    };

    private static TomlArray ToArray(System.Text.Json.JsonElement value, string source)
    {
        var array = new TomlArray();
        foreach (var item in value.EnumerateArray()) array.Add(FromJsonValue(item, source));
        return array;
    }

    private static TomlTable ToTable(System.Text.Json.JsonElement value, string source)
    {
        var table = new TomlTable();
        foreach (var property in value.EnumerateObject()) table[property.Name] = FromJsonValue(property.Value, $"{source}.{property.Name}");
        return table;
    }

    private static PolicySettings FromTable(TomlTable table, string sourceName, string baseDirectory)
    {
        var settings = new PolicySettings();
        foreach (var (key, value) in table)
        {
            var source = $"{sourceName}: {key}";
            switch (key)
            {
                case "dir": settings.Dirs.AddRange(Strings(value, source).Select(s => new SettingText(s, source, baseDirectory))); break;
                case "ro-dir": settings.RoDirs.AddRange(Strings(value, source).Select(s => new SettingText(s, source, baseDirectory))); break;
                case "env": settings.Env.AddRange(EnvEntries(value, source).Select(s => new SettingText(s, source, baseDirectory))); break;
                case "max-memory": settings.MaxMemory = new SettingText(Scalar(value, source, allowInteger: true), source, baseDirectory); break;
                case "fuel": settings.Fuel = new SettingText(Scalar(value, source, allowInteger: true), source, baseDirectory); break;
                case "timeout": settings.Timeout = new SettingText(Scalar(value, source, allowInteger: false), source, baseDirectory); break;
                case "stdin": settings.Stdin = new SettingText(Scalar(value, source, allowInteger: false), source, baseDirectory); break;
                case "isolation": settings.Isolation = new SettingText(Scalar(value, source, allowInteger: false), source, baseDirectory); break;
                case "max-open-files": settings.MaxOpenFiles = new SettingText(Scalar(value, source, allowInteger: true), source, baseDirectory); break;
                case "max-disk-write": settings.MaxDiskWrite = new SettingText(Scalar(value, source, allowInteger: true), source, baseDirectory); break;
                case "max-output": settings.MaxOutput = new SettingText(Scalar(value, source, allowInteger: true), source, baseDirectory); break;
                case "listen": settings.Listen.AddRange(Strings(value, source).Select(s => new SettingText(s, source, baseDirectory))); break;
                case "deterministic": settings.Deterministic = new SettingText(Boolean(value, source), source, baseDirectory); break;
                case "cpu-time": settings.CpuTime = new SettingText(Scalar(value, source, allowInteger: false), source, baseDirectory); break;
                case "cpus": settings.Cpus = new SettingText(Number(value, source), source, baseDirectory); break;
                case "max-compile-time": settings.MaxCompileTime = new SettingText(Scalar(value, source, allowInteger: false), source, baseDirectory); break;
                case "max-compile-memory": settings.MaxCompileMemory = new SettingText(Scalar(value, source, allowInteger: true), source, baseDirectory); break;
                case "allow-net":
                    // Each rule names its place in the list, so a message points at the one that is wrong.
                    settings.AllowNet.AddRange(Strings(value, source).Select((s, i) => new SettingText(s, $"{source}[{i}]", baseDirectory)));
                    break;
                case "max-connections": settings.MaxConnections = new SettingText(Scalar(value, source, allowInteger: true), source, baseDirectory); break;
                case "max-net-bytes": settings.MaxNetBytes = new SettingText(Scalar(value, source, allowInteger: true), source, baseDirectory); break;
                case "seed": settings.Seed = new SettingText(Scalar(value, source, allowInteger: true), source, baseDirectory); break;
                default:
                    throw new PolicyException($"{sourceName}: unknown setting '{key}'; the known ones are {string.Join(", ", Keys)}");
            }
        }
        return settings;
    }

    /// <summary>
    /// Parses TOML into a table, refusing syntax errors and duplicate keys. Tomlyn's model reader lets a repeated key
    /// win silently; TOML forbids it, and for a policy "the second timeout wins" would hide a mistake, so we check the
    /// syntax tree ourselves.
    /// </summary>
    private static TomlTable ParseToml(string text, string sourceName)
    {
        var syntax = SyntaxParser.Parse(text, sourceName, false);
        if (syntax.HasErrors)
        {
            var first = syntax.Diagnostics.First(d => d.Kind == DiagnosticMessageKind.Error);
            throw new PolicyException($"{sourceName}:{first.Span.Start.Line + 1}:{first.Span.Start.Column + 1}: not valid TOML ({first.Message}); fix the file");
        }
        var seen = new HashSet<string>();
        foreach (var kv in syntax.KeyValues)
        {
            var key = kv.Key?.ToString()?.Trim().Trim('"', '\'') ?? "";
            if (!seen.Add(key))
                throw new PolicyException($"{sourceName}:{kv.Span.Start.Line + 1}: '{key}' is set twice; keep one");
        }
        try
        {
            return TomlSerializer.Deserialize(text, PolicyTomlContext.Default.TomlTable)!;
        }
        catch (TomlException e)
        {
            throw new PolicyException($"{sourceName}: not valid TOML ({e.Message.Split('\n')[0]}); fix the file");
        }
    }

    private static string Scalar(object value, string source, bool allowInteger) => value switch
    {
        string s => s,
        long n when allowInteger => n.ToString(CultureInfo.InvariantCulture),
        _ => throw new PolicyException($"{source}: expected {(allowInteger ? "a string or a whole number" : "a string")}, found {Describe(value)}"),
    };

    /// <summary>A decimal such as <c>cpus = 0.5</c>, written as a TOML float, integer or string.</summary>
    private static string Number(object value, string source) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Scalar(value, source, allowInteger: true),
    };

    private static string Boolean(object value, string source) => value is bool b
        ? (b ? "true" : "false")
        : throw new PolicyException($"{source}: expected true or false, found {Describe(value)}");

    private static IEnumerable<string> Strings(object value, string source) => value switch
    {
        string s => [s],
        TomlArray array => array.Select(item => item as string
            ?? throw new PolicyException($"{source}: expected a list of strings, found {Describe(item)} in it")).ToList(),
        _ => throw new PolicyException($"{source}: expected a list of strings, found {Describe(value)}"),
    };

    /// <summary><c>env</c> is a list of "NAME=VALUE"/"NAME" strings, as on the command line, or a table of NAME = "VALUE".</summary>
    private static IEnumerable<string> EnvEntries(object value, string source) => value switch
    {
        TomlTable t => t.Select(kv => kv.Value is string s
            ? $"{kv.Key}={s}"
            : throw new PolicyException($"{source}.{kv.Key}: expected a string value, found {Describe(kv.Value)}")).ToList(),
        _ => Strings(value, source),
    };

    private static string Describe(object? value) => value switch
    {
        null => "nothing",
        string => "a string",
        long or double => "a number",
        bool => "a boolean",
        TomlArray => "a list",
        TomlTable => "a table",
        _ => value.GetType().Name,
    };
}

/// <summary>Source-generated TOML reader for the policy table, so the policy loads under NativeAOT too.</summary>
[TomlSerializable(typeof(TomlTable))]
internal sealed partial class PolicyTomlContext : TomlSerializerContext;
