namespace Wasmbox.Core.Wasm;

/// <summary>
/// How large a module may be in each dimension before Wasmbox refuses to compile it: what no real program needs, and
/// what would let a small file make the compiler work for minutes or take gigabytes.
/// </summary>
/// <remarks>
/// The counts follow the limits every web engine enforces (the WebAssembly JS API's "implementation-defined limits":
/// V8, SpiderMonkey and JavaScriptCore agree on them), so a module that loads in a browser loads here. Nesting has no
/// such limit there. Why 100,000: Go's compiler nests one block per resume point of a function, so real Go programs
/// nest thousands deep (esbuild: 3,232); clang and rustc stay below a few hundred. Cranelift compiles a function nested
/// 100,000 deep in under a second (its control stack is a vector, not recursion), and the compile worker's time and
/// memory limits hold beyond that. docs/SECURITY.md lists them with the compile limits.
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
    /// <summary>The web engines' limits, and a nesting bound of 100,000.</summary>
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
        MaxNesting: 100_000);
}
