using System.Text.Json.Serialization;

namespace Wasmbox.Oci.State;

/// <summary>
/// What wasmbox-oci keeps about one container in <c>state.json</c>. <see cref="Status"/> is what was last written
/// (created, then running); whether the process still lives is read from /proc when asked (<see cref="Liveness"/>).
/// </summary>
internal sealed record ContainerState
{
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public required string Rootfs { get; init; }

    /// <summary>created or running as last written; stopped is never stored but seen.</summary>
    public required string Status { get; init; }

    /// <summary>The container process (the one in the pid file); 0 until it has started.</summary>
    public int Pid { get; init; }

    /// <summary>The process's start time in clock ticks since boot (/proc/PID/stat field 22), so a reused pid is not taken for it.</summary>
    public ulong PidStartTime { get; init; }

    /// <summary>The cgroup folders the container process made for linux.cgroupsPath, for delete to remove if it could not (SIGKILL).</summary>
    public List<string> CgroupDirs { get; init; } = [];

    public required DateTimeOffset Created { get; init; }
    public Dictionary<string, string> Annotations { get; init; } = [];
}

/// <summary>The OCI state as <c>state</c> prints it (runtime-spec runtime.md "State", plus runc's rootfs, created, owner).</summary>
internal sealed record OciStateView(
    [property: JsonPropertyName("ociVersion")] string OciVersion,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("bundle")] string Bundle,
    [property: JsonPropertyName("rootfs")] string Rootfs,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("annotations")] Dictionary<string, string> Annotations);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(OciStateView))]
[JsonSerializable(typeof(int[]))]
internal sealed partial class StateJson : JsonSerializerContext;
