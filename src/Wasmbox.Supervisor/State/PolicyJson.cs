using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Wasmbox.Core.Policy;

namespace Wasmbox.Supervisor.State;

/// <summary>
/// A faithful JSON form of <see cref="SandboxPolicy"/> for the state database: every field, exact values (sizes in bytes,
/// durations as <c>TimeSpan</c> invariant text, so nothing is rounded), keys named after the policy file's keys.
/// </summary>
/// <remarks>Not the API's input form: the API takes the TOML keys as text (<see cref="PolicySettings"/>) and builds a policy from them.</remarks>
public static class PolicyJson
{
    public static string ToJson(SandboxPolicy policy)
    {
        var l = policy.Limits;
        var dto = new PolicyDto(
            policy.Dirs.Select(d => new GrantDto(d.HostPath, d.GuestPath, d.ReadOnly)).ToList(),
            policy.Env.Select(kv => new[] { kv.Key, kv.Value }).ToList(),
            l.MaxMemoryBytes, l.Fuel, Span(l.Timeout), l.MaxOpenFiles, l.MaxDiskWriteBytes, l.MaxOutputBytes, Span(l.CpuTime), l.Cpus,
            Span(l.MaxCompileTime), l.MaxCompileMemoryBytes,
            policy.Stdin switch
            {
                StdinSource.Inherit => "inherit",
                StdinSource.None => "none",
                StdinSource.FromFile f => "file:" + f.Path,
                _ => throw new InvalidOperationException(),
            },
            policy.Isolation?.Name(), policy.Listen.ToList(), policy.DeterministicSeed)
        {
            AllowNet = policy.Net.Rules.Select(r => r.Text).ToList(),
            MaxConnections = l.MaxConnections,
            MaxNetBytes = l.MaxNetBytes,
        };
        return JsonSerializer.Serialize(dto, PolicyJsonContext.Default.PolicyDto);
    }

    public static SandboxPolicy FromJson(string json)
    {
        var dto = JsonSerializer.Deserialize(json, PolicyJsonContext.Default.PolicyDto)
                  ?? throw new FormatException("the stored policy is null");
        return new SandboxPolicy
        {
            Dirs = dto.Dirs.Select(g => new DirGrant(g.Host, g.Guest, g.ReadOnly)).ToList(),
            Env = dto.Env.Select(e => e.Length == 2 ? new KeyValuePair<string, string>(e[0], e[1]) : throw new FormatException("an env entry is not a pair")).ToList(),
            Limits = new SandboxLimits(dto.MaxMemoryBytes, dto.Fuel, Span(dto.Timeout))
            {
                MaxOpenFiles = dto.MaxOpenFiles,
                MaxDiskWriteBytes = dto.MaxDiskWriteBytes,
                MaxOutputBytes = dto.MaxOutputBytes,
                CpuTime = Span(dto.CpuTime),
                Cpus = dto.Cpus,
                MaxCompileTime = Span(dto.MaxCompileTime),
                MaxCompileMemoryBytes = dto.MaxCompileMemoryBytes,
                MaxConnections = dto.MaxConnections,
                MaxNetBytes = dto.MaxNetBytes,
            },
            Stdin = dto.Stdin switch
            {
                "inherit" => new StdinSource.Inherit(),
                "none" => new StdinSource.None(),
                var s when s.StartsWith("file:", StringComparison.Ordinal) => new StdinSource.FromFile(s["file:".Length..]),
                var s => throw new FormatException($"unknown stored stdin '{s}'"),
            },
            Isolation = dto.Isolation is null ? null : IsolationTiers.Parse(dto.Isolation, "stored policy isolation"),
            Listen = dto.Listen,
            // Parsed again as they were written: a stored rule means after a restart what it meant when the sandbox was made.
            Net = dto.AllowNet is { Count: > 0 } rules
                ? new NetPolicy(rules.Select((r, i) => Rule(r, i)).ToList())
                : NetPolicy.None,
            DeterministicSeed = dto.Seed,
        };
    }

    private static NetRule Rule(string text, int index)
    {
        try { return NetRule.Parse(text, $"stored policy allow-net[{index}]"); }
        catch (PolicyException e) { throw new FormatException(e.Message); }
    }

    private static string? Span(TimeSpan? value) => value?.ToString("c", CultureInfo.InvariantCulture);

    private static TimeSpan? Span(string? text) => text is null ? null : TimeSpan.ParseExact(text, "c", CultureInfo.InvariantCulture);
}

internal sealed record GrantDto(string Host, string Guest, bool ReadOnly);

internal sealed record PolicyDto(
    List<GrantDto> Dirs,
    List<string[]> Env,
    long? MaxMemoryBytes,
    ulong? Fuel,
    string? Timeout,
    int? MaxOpenFiles,
    long? MaxDiskWriteBytes,
    long? MaxOutputBytes,
    string? CpuTime,
    double? Cpus,
    string? MaxCompileTime,
    long? MaxCompileMemoryBytes,
    string Stdin,
    string? Isolation,
    List<string> Listen,
    ulong? Seed)
{
    /// <summary>The <c>--allow-net</c> rules as written; absent (null) in records stored before there was a network.</summary>
    public List<string>? AllowNet { get; init; }

    public int? MaxConnections { get; init; }

    public long? MaxNetBytes { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseLower)]
[JsonSerializable(typeof(PolicyDto))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class PolicyJsonContext : JsonSerializerContext;
