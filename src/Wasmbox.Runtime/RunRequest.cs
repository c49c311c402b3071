using Wasmbox.Core.Caching;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Runtime;

/// <summary>One run of one module under one policy.</summary>
/// <param name="ModulePath">A <c>.wasm</c> file, or a <c>.wat</c> text file.</param>
/// <param name="Args">The guest's arguments after argv[0].</param>
/// <param name="Policy">What the guest may do and use.</param>
public sealed record RunRequest(string ModulePath, IReadOnlyList<string> Args, SandboxPolicy Policy)
{
    /// <summary>The guest's argv[0]; defaults to <see cref="ModulePath"/> as given, like the Wasmtime CLI.</summary>
    public string? Argv0 { get; init; }

    public GuestStdio Stdio { get; init; } = GuestStdio.Inherit;

    /// <summary>Where compiled modules are kept; null compiles every time.</summary>
    public ModuleCache? Cache { get; init; }

    public IWasiBinding Wasi { get; init; } = WasmboxWasi.Instance;

    /// <summary>Receives every WASI call (<c>--trace</c>); only Wasmbox's own WASI host can trace.</summary>
    public Wasmbox.Wasi.Tracing.IWasiTraceSink? Trace { get; init; }
}
