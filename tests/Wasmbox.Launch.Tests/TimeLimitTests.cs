using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Launch.Modules;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Launch.Tests;

/// <summary>
/// <c>--timeout</c> and <c>--cpu-time</c> in every tier: a spinning guest ends on time as a timeout (124), nothing is
/// left running, and the worker tiers' compilation has no epoch checks (their worker ends its own process at the limit).
/// </summary>
[Collection(TimeLimitCollection.Name)]
public class TimeLimitTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(300);

    private static void RequireTier(IsolationTier tier)
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("worker processes are started the Linux way; this is not Linux");
        if (tier == IsolationTier.Jail && !File.Exists("/usr/bin/bwrap")) Assert.Skip("the jail tier needs bubblewrap (apt-get install -y bubblewrap)");
    }

    private static RunResult RunSpin(IsolationTier tier, ModuleCache cache, SandboxLimits limits) =>
        SandboxLauncher.Run(new LaunchRequest(Guests.C("spin"), [], SandboxPolicy.DenyAll with { Isolation = tier, Limits = limits })
        {
            Cache = cache,
            Stdout = new OutputTarget.ToStream(new MemoryStream()),
        });

    /// <summary>Which flavour the parent put in the cache: the run loaded it, so it is the engine the guest ran on.</summary>
    private static bool? CompiledWithEpoch(ModuleCache cache, string sha, IsolationTier tier)
    {
        bool Has(bool epoch) => cache.TryGet(ModuleCache.Key(sha, new EngineSettings(Fuel: false, Epoch: epoch).Fingerprint, ModulePreparation.SiteFor(tier))) is not null;
        return (Has(true), Has(false)) switch { (true, false) => true, (false, true) => false, _ => null };
    }

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    [InlineData(IsolationTier.None)]
    public void Run_SpinningGuestPastItsTimeout_Is124OnTimeAndLeavesNothing(IsolationTier tier)
    {
        RequireTier(tier);
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.File("cache"));

        var result = RunSpin(tier, cache, SandboxLimits.None with { Timeout = Limit });

        Assert.Equal(OutcomeKind.Timeout, result.Outcome.Kind);
        Assert.Equal(124, result.Outcome.ExitStatus);
        Assert.Equal([LimitKind.Timeout], result.Usage.LimitsHit);
        Assert.InRange(result.Usage.Wall, Limit, Limit + TimeSpan.FromMilliseconds(100));
        Assert.Empty(ProcessTree.Descendants(Environment.ProcessId, "wasmbox-worker"));
        // Epoch checks only where the guest shares the caller's process; a worker is stopped by its own watch (or, on a
        // machine too loaded for it to wake within 50 ms, by the parent's kill: the outcome is the same).
        Assert.Equal(tier == IsolationTier.None, CompiledWithEpoch(cache, result.ModuleSha256!, tier));
    }

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    public void Run_SpinningGuestPastItsCpuTime_IsStoppedByTheWorkerWithoutEpochChecks(IsolationTier tier)
    {
        RequireTier(tier);
        using var tmp = new TempDir();
        var cache = new ModuleCache(tmp.File("cache"));

        // What a run costs besides its guest, in this tier and on this machine now: the worker's start (and in the jail,
        // bubblewrap's and the launch script's, which the cgroup's figure counts too), from a hello with the same cache.
        var start = SandboxLauncher.Run(new LaunchRequest(Guests.C("hello"), [], SandboxPolicy.DenyAll with { Isolation = tier, Limits = SandboxLimits.None with { CpuTime = Limit } })
        {
            Cache = cache,
            Stdout = new OutputTarget.ToStream(new MemoryStream()),
        }, TestContext.Current.CancellationToken).Usage.Cpu;
        var result = RunSpin(tier, cache, SandboxLimits.None with { CpuTime = Limit });

        Assert.Equal(OutcomeKind.Timeout, result.Outcome.Kind);
        Assert.Contains("CPU-time", result.Outcome.Message);
        Assert.Equal(124, result.Outcome.ExitStatus);
        Assert.Equal([LimitKind.CpuTime], result.Usage.LimitsHit);
        Assert.True(result.Usage.Cpu >= Limit, $"stopped after {result.Usage.Cpu} of CPU, before its limit");
        // The watch reads the CPU clock every 10 ms; a loaded machine may give the guest less than a core, so only the CPU
        // is bounded: the limit, what the start costs besides the guest, and 150 ms for the watch to act.
        Assert.True(result.Usage.Cpu <= Limit + start + TimeSpan.FromMilliseconds(150), $"stopped after {result.Usage.Cpu} of CPU (a start costs {start})");
        Assert.Empty(ProcessTree.Descendants(Environment.ProcessId, "wasmbox-worker"));
        Assert.Equal(false, CompiledWithEpoch(cache, result.ModuleSha256!, tier));
    }
}

/// <summary>Runs alone, so that the workers counted are these tests' own and the timings are not shared with other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimeLimitCollection
{
    public const string Name = "time limits";
}
