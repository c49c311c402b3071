using Wasmbox.Core.Policy;

namespace Wasmbox.Oci.Bundle;

/// <summary>What a wasm bundle asks Wasmbox to run, in Wasmbox's terms.</summary>
/// <param name="ModuleFile">The module's host path inside the rootfs, symlinks resolved within it.</param>
/// <param name="Argv0">process.args[0] as written in config.json: the guest's argv[0].</param>
/// <param name="Args">process.args[1..].</param>
/// <param name="Policy">The sandbox's policy: grants, environment, limits.</param>
/// <param name="Trace">Annotation <c>io.wasmbox.trace=true</c>: one line per WASI call on the guest's stderr.</param>
/// <param name="Notes">Fields not applied as written, for the log.</param>
internal sealed record ContainerPlan(string ModuleFile, string Argv0, IReadOnlyList<string> Args, SandboxPolicy Policy, bool Trace, IReadOnlyList<ConfigNote> Notes);
