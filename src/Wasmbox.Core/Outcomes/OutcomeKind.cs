namespace Wasmbox.Core.Outcomes;

/// <summary>Why a sandbox stopped. Each kind has one exit status of <c>wasmbox run</c> (see <see cref="RunOutcome.ExitStatus"/>).</summary>
public enum OutcomeKind
{
    /// <summary>The guest exited by itself: returned from <c>_start</c> or called <c>proc_exit</c>.</summary>
    Exited,
    /// <summary>The guest trapped (unreachable, out-of-bounds access, division by zero, stack exhaustion, …).</summary>
    Trapped,
    /// <summary>The wall-clock limit (<c>--timeout</c>) or the CPU-time limit (<c>--cpu-time</c>) stopped it.</summary>
    Timeout,
    /// <summary>The fuel budget ran out.</summary>
    OutOfFuel,
    /// <summary>A memory limit stopped it: its initial memory did not fit, or (jail tier) the cgroup's OOM killer killed the worker.</summary>
    MemoryLimit,
    /// <summary>Wasmbox could not start it: bad arguments, policy or module.</summary>
    SetupFailed,
    /// <summary>The worker process died of a signal no limit explains: killed from outside, or a crash of the worker itself.</summary>
    Killed,
}

/// <summary>A limit of the policy. A run reports every limit that refused something, even when the guest carried on.</summary>
public enum LimitKind
{
    MaxMemory,
    Fuel,
    Timeout,
    MaxOpenFiles,
    MaxDiskWrite,
    MaxOutput,
    CpuTime,
    /// <summary>Compiling the module took longer than <c>--max-compile-time</c>.</summary>
    MaxCompileTime,
    /// <summary>Compiling the module needed more memory than <c>--max-compile-memory</c>.</summary>
    MaxCompileMemory,
    /// <summary>A socket was refused because <c>--max-connections</c> were open.</summary>
    MaxConnections,
    /// <summary>A send or receive was refused or cut short because <c>--max-net-bytes</c> were used.</summary>
    MaxNetBytes,
}

/// <summary>The step of setting up a sandbox that failed; it says whose mistake it was and what to fix.</summary>
public enum SetupStage
{
    /// <summary>Command-line arguments or policy settings.</summary>
    Policy,
    /// <summary>Reading the module file.</summary>
    ReadModule,
    /// <summary>Parsing, validating or compiling the module.</summary>
    Compile,
    /// <summary>The module is valid wasm but not a WASI command Wasmbox can run (no <c>_start</c>, unknown imports).</summary>
    Link,
    /// <summary>Creating the instance (e.g. a data segment out of bounds).</summary>
    Instantiate,
    /// <summary>Preparing the guest's stdio or preopened files.</summary>
    Stdio,
    /// <summary>Starting the worker process or its jail (bubblewrap, seccomp, cgroups), or talking to it.</summary>
    Isolation,
}

public static class OutcomeNames
{
    /// <summary>The name used in reports and JSON: <c>exited</c>, <c>out_of_fuel</c>, …</summary>
    public static string Name(this OutcomeKind kind) => kind switch
    {
        OutcomeKind.Exited => "exited",
        OutcomeKind.Trapped => "trapped",
        OutcomeKind.Timeout => "timeout",
        OutcomeKind.OutOfFuel => "out_of_fuel",
        OutcomeKind.MemoryLimit => "memory_limit",
        OutcomeKind.SetupFailed => "setup_failed",
        OutcomeKind.Killed => "killed",
    };

    /// <summary>The name of a limit as the flag and policy key that set it.</summary>
    public static string Name(this LimitKind limit) => limit switch
    {
        LimitKind.MaxMemory => "max-memory",
        LimitKind.Fuel => "fuel",
        LimitKind.Timeout => "timeout",
        LimitKind.MaxOpenFiles => "max-open-files",
        LimitKind.MaxDiskWrite => "max-disk-write",
        LimitKind.MaxOutput => "max-output",
        LimitKind.CpuTime => "cpu-time",
        LimitKind.MaxCompileTime => "max-compile-time",
        LimitKind.MaxCompileMemory => "max-compile-memory",
        LimitKind.MaxConnections => "max-connections",
        LimitKind.MaxNetBytes => "max-net-bytes",
    };

    public static string Name(this SetupStage stage) => stage switch
    {
        SetupStage.Policy => "policy",
        SetupStage.ReadModule => "read_module",
        SetupStage.Compile => "compile",
        SetupStage.Link => "link",
        SetupStage.Instantiate => "instantiate",
        SetupStage.Stdio => "stdio",
        SetupStage.Isolation => "isolation",
    };
}
