using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmtime;

namespace Wasmbox.Runtime.Wasi;

/// <summary>
/// Wasmtime's own WASI preview1, configured from the policy. It enforces the grants (preopens, read-only dirs, env,
/// args) inside the engine, but cannot check or trace single calls; that is what Wasmbox's own host is for.
/// </summary>
/// <remarks>Deny by default: a <see cref="WasiConfiguration"/> starts with no args, no env, no preopens and an empty stdin;
/// this class adds only what the policy lists.</remarks>
public sealed class WasmtimeBuiltinWasi : IWasiBinding
{
    public static WasmtimeBuiltinWasi Instance { get; } = new();

    private WasmtimeBuiltinWasi() { }

    public void Define(Linker linker) => linker.DefineWasi();

    public IWasiSession Configure(Store store, WasiContextSpec spec)
    {
        var config = new WasiConfiguration()
            .WithArgs(spec.Argv)
            .WithEnvironmentVariables(spec.Policy.Env.Select(kv => (kv.Key, kv.Value)));

        foreach (var grant in spec.Policy.Dirs)
            config.WithPreopenedDirectory(grant.HostPath, grant.GuestPath, mutable: !grant.ReadOnly);

        if (spec.Stdio.StdinOverride is not null)
            throw new SetupException(Core.Outcomes.SetupStage.Stdio, "Wasmtime's built-in WASI cannot read stdin from a stream; use Wasmbox's own WASI host");
        switch (spec.Policy.Stdin)
        {
            case StdinSource.Inherit: config.WithInheritedStandardInput(); break;
            case StdinSource.FromFile f: config.WithStandardInput(f.Path); break;
            case StdinSource.None: break; // nothing configured reads as end of file
        }
        switch (spec.Stdio.Stdout)
        {
            case OutputTarget.Inherit: config.WithInheritedStandardOutput(); break;
            case OutputTarget.ToFile f: config.WithStandardOutput(f.Path); break;
            case OutputTarget.ToStream: throw new SetupException(Core.Outcomes.SetupStage.Stdio, "Wasmtime's built-in WASI cannot write to a stream; use Wasmbox's own WASI host");
        }
        switch (spec.Stdio.Stderr)
        {
            case OutputTarget.Inherit: config.WithInheritedStandardError(); break;
            case OutputTarget.ToFile f: config.WithStandardError(f.Path); break;
            case OutputTarget.ToStream: throw new SetupException(Core.Outcomes.SetupStage.Stdio, "Wasmtime's built-in WASI cannot write to a stream; use Wasmbox's own WASI host");
        }

        try
        {
            store.SetWasiConfiguration(config);
            return NoSession.Instance;
        }
        catch (WasmtimeException e)
        {
            throw new SetupException(SetupStage.Stdio, $"cannot prepare the guest's files: {e.Message.Split('\n')[0]}; check the --dir/--ro-dir paths and --stdin file");
        }
    }
}

/// <summary>The built-in WASI keeps its state inside the store and counts no quotas.</summary>
internal sealed class NoSession : IWasiSession
{
    public static NoSession Instance { get; } = new();

    public IReadOnlyList<LimitKind> LimitsHit => [];

    public void Dispose() { }
}
