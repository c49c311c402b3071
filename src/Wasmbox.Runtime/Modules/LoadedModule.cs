using Wasmtime;

namespace Wasmbox.Runtime.Modules;

/// <summary>A compiled module ready to instantiate, and what is known about where it came from.</summary>
/// <param name="Module">Owned by this object; dispose it with the object.</param>
/// <param name="Sha256">Hex SHA-256 of the module file as given (before any rewriting), as the report names it.</param>
/// <param name="GrowInstrumented">True when refused memory growth can be counted (see <c>WasmGrowInstrumenter</c>).</param>
/// <param name="FromCache">True when the compiled code came from the module cache.</param>
public sealed record LoadedModule(Module Module, string Sha256, bool GrowInstrumented, bool FromCache) : IDisposable
{
    public void Dispose() => Module.Dispose();
}
