using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wasmbox.Runtime.Modules;

/// <summary>What <c>wasmbox inspect</c> reports about a module, without running it.</summary>
public sealed record ModuleInfo(
    string Path,
    string Sha256,
    long SizeBytes,
    bool IsWasiCommand,
    bool IsWasiReactor,
    string? NotRunnableBecause,
    IReadOnlyList<string> WasiCapabilities,
    IReadOnlyList<ImportInfo> Imports,
    IReadOnlyList<ExportInfo> Exports,
    IReadOnlyList<MemoryInfo> Memories)
{
    public string ToJson() => JsonSerializer.Serialize(this, ModuleInfoJsonContext.Default.ModuleInfo);
}

/// <param name="Kind">func, memory, table or global.</param>
/// <param name="Type">The signature, e.g. <c>(i32, i32) -> i32</c>, or limits for a memory.</param>
/// <param name="WasiGroup">The capability group of a WASI import (files, clocks, …), else null.</param>
public sealed record ImportInfo(string Module, string Name, string Kind, string Type, string? WasiGroup);

public sealed record ExportInfo(string Name, string Kind, string Type);

/// <param name="MinPages">64 KiB pages.</param>
/// <param name="MaxPages">Null when the module sets no maximum.</param>
public sealed record MemoryInfo(string Name, bool Imported, long MinPages, long? MaxPages, bool Is64Bit);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ModuleInfo))]
internal sealed partial class ModuleInfoJsonContext : JsonSerializerContext;
