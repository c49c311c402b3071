namespace Wasmbox.Core.Policy;

/// <summary>
/// The bounds on compiling one untrusted module: wall-clock time and memory of the compile worker, which is killed at
/// either. Compiling is bounded apart from the run because it happens once per module and engine (its result is
/// cached and shared by later runs), and because a module can be crafted to make the compiler, not the guest, do the
/// work: 100,000 empty functions took 8–15 s and about 600 MB here.
/// </summary>
/// <param name="Time">Wall-clock limit; <c>--max-compile-time</c>.</param>
/// <param name="MemoryBytes">Memory limit of the compile worker's cgroup, runtime included; <c>--max-compile-memory</c>.</param>
public sealed record CompileLimits(TimeSpan Time, long MemoryBytes)
{
    /// <summary>Generous for real programs (a 30 MB interpreter compiles in about 10 s on two cores), small for a bomb.</summary>
    public static readonly TimeSpan DefaultTime = TimeSpan.FromSeconds(60);

    /// <summary>Cranelift needs a few times the module's size; 2 GiB fits the largest real modules we know of.</summary>
    public const long DefaultMemoryBytes = 2L << 30;

    public static CompileLimits From(SandboxLimits limits) =>
        new(limits.MaxCompileTime ?? DefaultTime, limits.MaxCompileMemoryBytes ?? DefaultMemoryBytes);
}
