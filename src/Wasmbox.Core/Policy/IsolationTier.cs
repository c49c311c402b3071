using System.Text.Json.Serialization;

namespace Wasmbox.Core.Policy;

/// <summary>How far a sandbox is separated from the host (docs/SECURITY.md describes what each tier stops), weakest first.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IsolationTier>))]
public enum IsolationTier
{
    /// <summary>In this process: WASI capability checks and engine limits only. For embedding trusted code and for tests.</summary>
    [JsonStringEnumMemberName("none")] None,
    /// <summary>A worker process of its own, no OS jail.</summary>
    [JsonStringEnumMemberName("process")] Process,
    /// <summary>A worker process inside bubblewrap, seccomp and cgroups.</summary>
    [JsonStringEnumMemberName("jail")] Jail,
}

public static class IsolationTiers
{
    public static IsolationTier Parse(string text, string source) => text switch
    {
        "none" => IsolationTier.None,
        "process" => IsolationTier.Process,
        "jail" => IsolationTier.Jail,
        _ => throw new PolicyException($"{source} '{text}': unknown isolation tier; write none, process or jail"),
    };

    public static string Name(this IsolationTier tier) => tier switch
    {
        IsolationTier.None => "none",
        IsolationTier.Process => "process",
        IsolationTier.Jail => "jail",
    };
}
