using System.Text;
using System.Text.Json;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Tests.Syscalls;
using Wasmbox.Jail.Workers;

namespace Wasmbox.Jail.Tests.Workers;

/// <summary>A guest run through <see cref="WorkerLauncher"/>, with its output captured and the wall time the parent saw.</summary>
internal sealed record WorkerRunResult(RunResult Result, string Stdout, string Stderr, TimeSpan ParentWall)
{
    public RunOutcome Outcome => Result.Outcome;
    public ResourceUsage Usage => Result.Usage;
    public override string ToString() => $"{Outcome.Kind}: {Outcome.Message}; stdout '{Stdout}', stderr '{Stderr}'";
}

/// <summary>Runs guests and self-checks in real workers (the worker dll is copied beside these tests).</summary>
internal static class WorkerRuns
{
    /// <summary>Skips, visibly, when the jail tier cannot run here (no bubblewrap, no namespaces, no libseccomp).</summary>
    public static void RequireJail() => BwrapJail.Require();

    public static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("worker processes are started the Linux way (fd inheritance, /proc); this is not Linux");
    }

    /// <summary>Skips, visibly, when <paramref name="tier"/> cannot run here: the jail's needs, or Linux for the process tier.</summary>
    public static void Require(IsolationTier tier)
    {
        if (tier == IsolationTier.Jail) RequireJail(); else RequireLinux();
    }

    public static WorkerJob Job(string module, SandboxPolicy? policy = null, params string[] args) =>
        new(module, Path.GetFullPath(module), Precompiled: false, "", module, args, policy ?? SandboxPolicy.DenyAll, Trace: false);

    public static WorkerRunResult Run(IsolationTier tier, WorkerJob job, Stream? stdin = null)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = WorkerLauncher.Run(job, tier, new WorkerIo(stdin, stdout, stderr));
        return new WorkerRunResult(result, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()), clock.Elapsed);
    }

    /// <summary>The worker's self-check report from inside <paramref name="tier"/>, parsed; fails the test when the worker did not exit 0.</summary>
    public static JsonElement SelfCheck(IsolationTier tier, WorkerJob job, params string[] checks)
    {
        var report = WorkerLauncher.SelfCheck(job, tier, checks, TimeSpan.FromSeconds(30));
        Assert.True(report.ExitCode == 0, $"self-check exited {report.ExitCode}: {report.Stderr}");
        return JsonDocument.Parse(report.Stdout).RootElement;
    }

    /// <summary>Worker processes below this test process that are still alive.</summary>
    public static IReadOnlyList<int> LiveWorkers() => ProcessTree.Descendants(Environment.ProcessId, "wasmbox-worker");
}

/// <summary>Tests that start workers and count the ones left: one at a time, so the counts are theirs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkerCollection
{
    public const string Name = "workers";
}
