using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Runtime.Tests;

/// <summary>A finished guest run with its captured output.</summary>
public sealed record GuestRun(RunResult Result, string Stdout, string Stderr)
{
    public RunOutcome Outcome => Result.Outcome;
    public ResourceUsage Usage => Result.Usage;

    /// <summary>Runs <paramref name="module"/> in-process with stdout and stderr captured to files.</summary>
    public static GuestRun Of(string module, SandboxPolicy? policy = null, ModuleCache? cache = null, params string[] args) =>
        With(WasmboxWasi.Instance, module, policy, cache, args);

    /// <summary>Runs under a chosen WASI implementation (the differential tests run every guest under both).</summary>
    public static GuestRun With(IWasiBinding wasi, string module, SandboxPolicy? policy = null, ModuleCache? cache = null,
        string[]? args = null, Wasmbox.Wasi.Tracing.IWasiTraceSink? trace = null)
    {
        using var tmp = new TempDir("wasmbox-out");
        var stdout = tmp.File("stdout");
        var stderr = tmp.File("stderr");
        var result = Sandbox.Run(new RunRequest(module, args ?? [], policy ?? SandboxPolicy.DenyAll)
        {
            Stdio = new GuestStdio(new OutputTarget.ToFile(stdout), new OutputTarget.ToFile(stderr)),
            Cache = cache,
            Wasi = wasi,
            Trace = trace,
        });
        return new GuestRun(result, ReadIfExists(stdout), ReadIfExists(stderr));
    }

    private static string ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : "";
}

/// <summary>Tests whose assertions are about elapsed time run alone, so the other tests do not steal their CPU.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}
