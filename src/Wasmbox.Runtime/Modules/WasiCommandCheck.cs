using Wasmbox.Core.Outcomes;
using Wasmbox.Runtime.Wasi;
using Wasmtime;

namespace Wasmbox.Runtime.Modules;

/// <summary>
/// Refuses, before instantiation, a module that is not a WASI preview1 command: one with no <c>_start</c>, a reactor,
/// or one that imports anything but the 46 preview1 functions. The linker would refuse most of these too, but with a
/// message about linking; this names what is wrong in the user's terms.
/// </summary>
public static class WasiCommandCheck
{
    public static void Check(Module module, string path)
    {
        CheckImports(module.Imports.Select(i => (i.ModuleName, i.Name, i is FunctionImport)), path);
        var functions = module.Exports.OfType<FunctionExport>().ToList();
        CheckStart(functions.FirstOrDefault(e => e.Name == "_start") is { } start ? start.Parameters.Count + start.Results.Count == 0 : null,
            functions.Any(e => e.Name == "_initialize"), path);
    }

    /// <summary>The same check from a module's sections alone (<see cref="Core.Wasm.ModuleInterface"/>), without compiling it.</summary>
    public static void Check(Core.Wasm.ModuleInterface module, string path)
    {
        CheckImports(module.Imports.Select(i => (i.Module, i.Name, i.Kind == "func")), path);
        var functions = module.Exports.Where(e => e.Kind == "func").ToList();
        CheckStart(functions.FirstOrDefault(e => e.Name == "_start") is { } start ? start.Type == "() -> ()" : null,
            functions.Any(e => e.Name == "_initialize"), path);
    }

    /// <param name="startTakesNothing">Null when no function _start is exported; else whether it takes and returns nothing.</param>
    private static void CheckStart(bool? startTakesNothing, bool isReactor, string path)
    {
        if (startTakesNothing is null)
            throw new SetupException(SetupStage.Link, isReactor
                ? $"{path} is a WASI reactor (it exports _initialize, not _start); wasmbox run needs a command module, built as a program with a main function"
                : $"{path} exports no _start function, so it is not a WASI command; build it as a program (e.g. clang --target=wasm32-wasi) or check the file");
        if (startTakesNothing == false)
            throw new SetupException(SetupStage.Link, $"{path} exports _start with parameters or results; a WASI command's _start takes and returns nothing");
    }

    /// <summary>
    /// Refuses any import but the functions of <c>wasi_snapshot_preview1</c> and the WASIX socket functions. Also called on the import section alone,
    /// before compiling (<see cref="CheckImportSection"/>): a module no sandbox can link is refused without the seconds
    /// and the cache space its compilation would cost.
    /// </summary>
    public static void CheckImports(IEnumerable<(string Module, string Name, bool IsFunction)> imports, string path)
    {
        var unknown = imports
            .Where(i => !i.IsFunction || !WasiImports.IsKnown(i.Module, i.Name))
            .Select(i => $"{i.Module}.{i.Name}")
            .ToList();
        if (unknown.Count > 0)
        {
            var more = unknown.Count > 1 ? $" (and {unknown.Count - 1} more)" : "";
            throw new SetupException(SetupStage.Link,
                $"{path} imports {unknown[0]}{more}, which no Wasmbox sandbox provides; only the functions of {WasiImports.Module} and the WASIX socket functions of {WasiImports.WasixModule} can be imported");
        }
    }

    /// <summary>
    /// <see cref="CheckImports"/> from a binary module's import section, without compiling it. Text modules and bytes
    /// that do not parse are left to the compiler, which names the problem.
    /// </summary>
    public static void CheckImportSection(ReadOnlySpan<byte> module, string path)
    {
        if (Core.Wasm.CommandShape.Imports(module) is { } imports) CheckImports(imports, path);
    }
}
