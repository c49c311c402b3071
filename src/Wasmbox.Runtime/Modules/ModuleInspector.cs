using System.Security.Cryptography;
using Wasmbox.Core.Wasm;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Wasi;
using Wasmtime;

namespace Wasmbox.Runtime.Modules;

/// <summary>Reads a module's interface: imports, exports, memories, and which WASI capability groups it could use.</summary>
public static class ModuleInspector
{
    /// <summary>
    /// Inspects the module at <paramref name="path"/> without compiling it: Wasmtime's validator checks it (no code is
    /// generated) and <see cref="ModuleInterface"/> reads its interface from its sections.
    /// </summary>
    /// <exception cref="SetupException">The file cannot be read or is not a valid module.</exception>
    public static ModuleInfo Inspect(string path)
    {
        var bytes = ModuleLoader.ReadModuleBytes(path);
        var engine = EngineRegistry.Get(new EngineSettings(Fuel: false, Epoch: false));
        var problem = Module.Validate(engine.Engine, bytes) is { } invalid ? ModuleLoader.FirstLine(invalid) : null;
        if (problem is not null || !ModuleInterface.TryRead(bytes, out var module, out problem))
            throw new SetupException(Core.Outcomes.SetupStage.Compile, $"{path} is not a valid WebAssembly module: {problem}; rebuild it or check the file");

        string? notRunnable = null;
        try { WasiCommandCheck.Check(module, path); }
        catch (SetupException e) { notRunnable = e.Message; }

        var imports = module.Imports.Select(i => new ImportInfo(i.Module, i.Name, i.Kind, i.Type,
            WasiImports.Group(i.Module, i.Name))).ToList();
        var exports = module.Exports.Select(e => new ExportInfo(e.Name, e.Kind, e.Type)).ToList();
        var memories = module.Memories.Select(m => new MemoryInfo(m.Name, m.Imported, (long)m.MinPages, (long?)m.MaxPages, m.Is64Bit)).ToList();
        var functions = exports.Where(e => e.Kind == "func").Select(e => e.Name).ToHashSet();

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
