using System.Text.Json.Serialization;

namespace Wasmbox.Jail;

/// <summary>The <c>--isolation</c> tiers (DESIGN.md §1 layer 4), weakest first.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IsolationTier>))]
public enum IsolationTier
{
    /// <summary>In-process: for embedding trusted code and for tests.</summary>
    [JsonStringEnumMemberName("none")] None,

    /// <summary>A worker process without an OS jail.</summary>
    [JsonStringEnumMemberName("process")] Process,

    /// <summary>A worker in a bubblewrap jail with seccomp (plus cgroups and rlimits where the host has them).</summary>
    [JsonStringEnumMemberName("jail")] Jail,
}
