namespace Wasmbox.Core.Wasm;

/// <summary>
/// How large a module may be in each dimension before Wasmbox refuses to compile it: what no real program needs, and
/// what would let a small file make the compiler work for minutes or take gigabytes.
/// </summary>
/// <remarks>
/// The counts follow the limits every web engine enforces (the WebAssembly JS API's "implementation-defined limits":
/// V8, SpiderMonkey and JavaScriptCore agree on them), so a module that loads in a browser loads here. Nesting has no
/// such limit there; 1,000 blocks deep is far beyond what any compiler emits (clang and rustc stay below a few dozen)
/// and keeps Cranelift's recursion and tables small. docs/SECURITY.md lists them with the compile limits.
/// </remarks>
public sealed record ModuleShapeLimits(
    int MaxTypes,
    int MaxFunctions,
    int MaxImports,
    int MaxExports,
    int MaxGlobals,
    int MaxDataSegments,
    int MaxElementSegments,
    int MaxTables,
    int MaxMemories,
    int MaxFunctionBodyBytes,
    long MaxLocalsPerFunction,
    int MaxNesting)
{
    /// <summary>The web engines' limits, and a nesting bound of 1,000.</summary>
    public static readonly ModuleShapeLimits Default = new(
        MaxTypes: 1_000_000,
        MaxFunctions: 1_000_000,
        MaxImports: 100_000,
        MaxExports: 100_000,
        MaxGlobals: 1_000_000,
        MaxDataSegments: 100_000,
        MaxElementSegments: 10_000_000,
        MaxTables: 100_000,
        MaxMemories: 100,
        MaxFunctionBodyBytes: 7_654_321,
        MaxLocalsPerFunction: 50_000,
        MaxNesting: 1_000);
}
