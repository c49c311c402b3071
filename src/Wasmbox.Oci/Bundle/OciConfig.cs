using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wasmbox.Oci.Bundle;

// The parts of the OCI runtime spec's config.json that wasmbox-oci reads (runtime-spec config.md, config-linux.md).
// Everything else lands in each object's Extra, where ConfigAudit names it as covered, ignored or refused: a field
// that is not modelled here is never dropped without a word.

/// <summary>A bundle's <c>config.json</c>.</summary>
internal sealed class OciConfig
{
    public string? OciVersion { get; set; }
    public OciProcess? Process { get; set; }
    public OciRoot? Root { get; set; }
    public List<OciMount>? Mounts { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public OciLinux? Linux { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class OciProcess
{
    public bool? Terminal { get; set; }
    public OciConsoleSize? ConsoleSize { get; set; }
    public List<string>? Args { get; set; }
    public List<string>? Env { get; set; }
    public string? Cwd { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>process.consoleSize</c>: the terminal's size at creation, in characters.</summary>
internal sealed class OciConsoleSize
{
    public uint Height { get; set; }
    public uint Width { get; set; }
}

internal sealed class OciRoot
{
    public string? Path { get; set; }
    public bool? Readonly { get; set; }
}

internal sealed class OciMount
{
    public string? Destination { get; set; }
    public string? Type { get; set; }
    public string? Source { get; set; }
    public List<string>? Options { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class OciLinux
{
    public string? CgroupsPath { get; set; }
    public OciResources? Resources { get; set; }
    public List<OciNamespace>? Namespaces { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class OciNamespace
{
    public string? Type { get; set; }
    public string? Path { get; set; }
}

internal sealed class OciResources
{
    public OciMemory? Memory { get; set; }
    public OciCpu? Cpu { get; set; }
    public OciPids? Pids { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class OciMemory
{
    public long? Limit { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class OciCpu
{
    public long? Quota { get; set; }
    public ulong? Period { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class OciPids
{
    public long? Limit { get; set; }
}

/// <summary>Source-generated reader, so config.json loads under NativeAOT.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(OciConfig))]
internal sealed partial class OciConfigJson : JsonSerializerContext;
