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
        var unknown = module.Imports
            .Where(i => i is not FunctionImport || !WasiImports.IsKnown(i.ModuleName, i.Name))
            .Select(i => $"{i.ModuleName}.{i.Name}")
            .ToList();
        if (unknown.Count > 0)
        {
            var more = unknown.Count > 1 ? $" (and {unknown.Count - 1} more)" : "";
            throw new SetupException(SetupStage.Link,
                $"{path} imports {unknown[0]}{more}, which no Wasmbox sandbox provides; only the functions of {WasiImports.Module} can be imported");
        }

        var start = module.Exports.OfType<FunctionExport>().FirstOrDefault(e => e.Name == "_start");
        if (start is null)
        {
            var isReactor = module.Exports.OfType<FunctionExport>().Any(e => e.Name == "_initialize");
            throw new SetupException(SetupStage.Link, isReactor
                ? $"{path} is a WASI reactor (it exports _initialize, not _start); wasmbox run needs a command module, built as a program with a main function"
                : $"{path} exports no _start function, so it is not a WASI command; build it as a program (e.g. clang --target=wasm32-wasi) or check the file");
        }
        if (start.Parameters.Count != 0 || start.Results.Count != 0)
            throw new SetupException(SetupStage.Link, $"{path} exports _start with parameters or results; a WASI command's _start takes and returns nothing");
    }
}
