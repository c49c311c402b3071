using System.Reflection;

namespace Wasmbox.Runtime.Engines;

/// <summary>
/// The engine features a sandbox needs. Each distinct value gets its own long-lived engine, because compiled code
/// differs: metering instructions are compiled in, so a module compiled with fuel cannot run without it and vice versa.
/// </summary>
/// <param name="Fuel">Fuel metering (only when the policy sets a budget: it costs 20–30 % of speed).</param>
/// <param name="Epoch">Epoch interruption (only when the policy sets a time limit and the guest must be unwound rather than
/// its process ended, see <see cref="TimeLimitStop"/>: a check on every loop iteration, about 1.4× on tight loops).</param>
public readonly record struct EngineSettings(bool Fuel, bool Epoch)
{
    /// <summary>Bumped whenever Wasmbox changes how it rewrites modules before compiling them (see <c>WasmGrowInstrumenter</c>).</summary>
    public const int RewriteVersion = 1;

    /// <summary>The Wasmtime package version, including its source commit.</summary>
    public static string WasmtimeVersion { get; } =
        typeof(Wasmtime.Engine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Wasmtime.Engine).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>What a policy needs compiled in: fuel for <c>--fuel</c>; epoch checks for <c>--timeout</c> and <c>--cpu-time</c>
    /// only when <paramref name="stop"/> is <see cref="TimeLimitStop.Unwind"/> (a worker ends its process instead).</summary>
    public static EngineSettings For(Core.Policy.SandboxPolicy policy, TimeLimitStop stop) =>
        new(Fuel: policy.Limits.Fuel is not null,
            Epoch: stop == TimeLimitStop.Unwind && (policy.Limits.Timeout is not null || policy.Limits.CpuTime is not null));

    /// <summary>Everything that changes a compiled artifact; part of the module cache key.</summary>
    public string Fingerprint =>
        $"wasmtime={WasmtimeVersion};arch={System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture};fuel={Fuel};epoch={Epoch};rewrite={RewriteVersion}";
}
