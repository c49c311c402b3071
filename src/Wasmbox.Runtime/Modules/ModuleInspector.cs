using System.Security.Cryptography;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Wasi;
using Wasmtime;

namespace Wasmbox.Runtime.Modules;

/// <summary>Reads a module's interface: imports, exports, memories, and which WASI capability groups it could use.</summary>
public static class ModuleInspector
{
    /// <exception cref="SetupException">The file cannot be read or is not a valid module.</exception>
    public static ModuleInfo Inspect(string path)
    {
        var bytes = ModuleLoader.ReadModuleBytes(path);
        var engine = EngineRegistry.Get(new EngineSettings(Fuel: false, Epoch: false));
        Module module;
        try { module = Module.FromBytes(engine.Engine, System.IO.Path.GetFileName(path), bytes); }
        catch (WasmtimeException e)
        {
            throw new SetupException(Core.Outcomes.SetupStage.Compile, $"{path} is not a valid WebAssembly module: {ModuleLoader.FirstLine(e.Message)}; rebuild it or check the file");
        }

        using (module)
        {
            string? notRunnable = null;
            try { WasiCommandCheck.Check(module, path); }
            catch (SetupException e) { notRunnable = e.Message; }

            var imports = module.Imports.Select(i => new ImportInfo(
                i.ModuleName, i.Name, KindOf(i), TypeOf(i),
                i.ModuleName == WasiImports.Module ? WasiImports.GroupOf.GetValueOrDefault(i.Name) : null)).ToList();
            var exports = module.Exports.Select(e => new ExportInfo(e.Name, KindOf(e), TypeOf(e))).ToList();
            var memories = module.Imports.OfType<MemoryImport>()
                .Select(m => new MemoryInfo($"{m.ModuleName}.{m.Name}", true, m.Minimum, m.Maximum, m.Is64Bit))
                .Concat(module.Exports.OfType<MemoryExport>().Select(m => new MemoryInfo(m.Name, false, m.Minimum, m.Maximum, m.Is64Bit)))
                .ToList();
            var functions = module.Exports.OfType<FunctionExport>().Select(f => f.Name).ToHashSet();

            return new ModuleInfo(
                path,
                Core.Hashing.Sha256s.HashHex(bytes),
                bytes.LongLength,
                notRunnable is null,
                functions.Contains("_initialize") && !functions.Contains("_start"),
                notRunnable,
                imports.Select(i => i.WasiGroup).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList(),
                imports,
                exports,
                memories);
        }
    }

    private static string KindOf(object item) => item switch
    {
        FunctionImport or FunctionExport => "func",
        MemoryImport or MemoryExport => "memory",
        TableImport or TableExport => "table",
        GlobalImport or GlobalExport => "global",
        _ => "unknown",
    };

    private static string TypeOf(object item) => item switch
    {
        FunctionImport f => Signature(f.Parameters, f.Results),
        FunctionExport f => Signature(f.Parameters, f.Results),
        MemoryImport m => Limits(m.Minimum, m.Maximum, m.Is64Bit),
        MemoryExport m => Limits(m.Minimum, m.Maximum, m.Is64Bit),
        GlobalImport g => $"{(g.Mutability == Mutability.Mutable ? "mut " : "")}{Name(g.Kind)}",
        GlobalExport g => $"{(g.Mutability == Mutability.Mutable ? "mut " : "")}{Name(g.Kind)}",
        TableImport t => $"{Name(t.Kind)} {t.Minimum}..{(t.Maximum == uint.MaxValue ? "" : t.Maximum.ToString())}",
        TableExport t => $"{Name(t.Kind)} {t.Minimum}..{(t.Maximum == uint.MaxValue ? "" : t.Maximum.ToString())}",
        _ => "",
    };

    private static string Signature(IReadOnlyList<ValueKind> parameters, IReadOnlyList<ValueKind> results) =>
        $"({string.Join(", ", parameters.Select(Name))}) -> ({string.Join(", ", results.Select(Name))})";

    private static string Limits(long min, long? max, bool is64) =>
        $"{(is64 ? "i64 " : "")}{min}..{max?.ToString() ?? ""} pages";

    private static string Name(ValueKind kind) => kind switch
    {
        ValueKind.Int32 => "i32",
        ValueKind.Int64 => "i64",
        ValueKind.Float32 => "f32",
        ValueKind.Float64 => "f64",
        ValueKind.V128 => "v128",
        ValueKind.FuncRef => "funcref",
        ValueKind.ExternRef => "externref",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
