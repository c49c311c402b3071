using System.Diagnostics;
using System.Text;
using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Launch.Tests;

/// <summary>The library's one entry point, in every tier: start, capture output, wait, kill, and failures as results.</summary>
public class SandboxLauncherTests
{
    private static void RequireTier(IsolationTier tier)
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("worker processes are started the Linux way; this is not Linux");
        if (tier == IsolationTier.Jail && !File.Exists("/usr/bin/bwrap")) Assert.Skip("the jail tier needs bubblewrap (apt-get install -y bubblewrap)");
    }

    private static LaunchRequest Request(string module, IsolationTier tier, TempDir tmp, SandboxLimits? limits = null, params string[] args) =>
        new(module, args, SandboxPolicy.DenyAll with { Isolation = tier, Limits = limits ?? SandboxLimits.None })
        {
            Cache = new ModuleCache(tmp.File("cache")),
        };

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    [InlineData(IsolationTier.None)]
    public async Task Start_Hello_CapturesItsOutputAndCompletes(IsolationTier tier)
    {
        RequireTier(tier);
        using var tmp = new TempDir();
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();

        using var sandbox = SandboxLauncher.Start(Request(Guests.C("args_env"), tier, tmp, null, "one", "two") with
        {
            Stdout = new OutputTarget.ToStream(stdout),
            Stderr = new OutputTarget.ToStream(stderr),
        });
        var result = await sandbox.Completion.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(tier, sandbox.Tier);
        Assert.Equal(RunOutcome.Exited(0), result.Outcome);
        var text = Encoding.UTF8.GetString(stdout.ToArray());
        Assert.Contains("one", text);
        Assert.Contains("two", text);
        Assert.NotNull(result.ModuleSha256);
    }

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    public void Start_OutputToFile_WritesTheFile(IsolationTier tier)
    {
        RequireTier(tier);
        using var tmp = new TempDir();
        var file = tmp.File("out.txt");
        using var sandbox = SandboxLauncher.Start(Request(Guests.C("hello"), tier, tmp) with { Stdout = new OutputTarget.ToFile(file) });

        Assert.Equal(OutcomeKind.Exited, sandbox.Wait().Outcome.Kind);
        Assert.Contains("hello", File.ReadAllText(file), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    public async Task Kill_SpinningGuestInAWorker_EndsKilledAndLeavesNoWorker(IsolationTier tier)
    {
        RequireTier(tier);
        using var tmp = new TempDir();
        using var sandbox = SandboxLauncher.Start(Request(Guests.C("spin"), tier, tmp));
        // Let it get going (compile, spawn) before the kill.
        Thread.Sleep(1500);
        Assert.False(sandbox.Completion.IsCompleted, "the spinning guest ended by itself");
        var clock = Stopwatch.StartNew();
        sandbox.Kill();

        var result = await sandbox.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the kill took {clock.Elapsed}");
        Assert.Equal(OutcomeKind.Killed, result.Outcome.Kind);
        Assert.Empty(ProcessTree.WaitGone(ProcessTree.Descendants(Environment.ProcessId, "wasmbox-worker"), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Kill_InProcessGuestWithADeadline_StopsAtTheNextCheck()
    {
        using var tmp = new TempDir();
        using var sandbox = SandboxLauncher.Start(Request(Guests.C("spin"), IsolationTier.None, tmp, new SandboxLimits(null, null, TimeSpan.FromSeconds(60))));
        Thread.Sleep(1000);
        sandbox.Kill();

        var result = await sandbox.Completion.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(OutcomeKind.Killed, result.Outcome.Kind);
    }

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    [InlineData(IsolationTier.None)]
    public void Start_NotAModule_CompletesAsASetupFailureNeverThrows(IsolationTier tier)
    {
        RequireTier(tier);
        using var tmp = new TempDir();
        var bogus = tmp.Write("bogus.wasm", "not wasm at all");

        using var sandbox = SandboxLauncher.Start(Request(bogus, tier, tmp));
        var result = sandbox.Wait();

        Assert.Equal(OutcomeKind.SetupFailed, result.Outcome.Kind);
        Assert.Equal(SetupStage.Compile, result.Outcome.Stage);
        Assert.Contains("not a WebAssembly module", result.Outcome.Message);
    }

    [Fact]
    public void Start_DefaultTierWithoutBubblewrap_FallsBackWithOneNotice()
    {
        var notices = new List<string>();
        var tier = Tiers.TierChoice.For(SandboxPolicy.DenyAll, notices.Add, () => false);
        Assert.Equal(IsolationTier.Process, tier);
        Assert.Contains("--isolation process", Assert.Single(notices));
    }

    [Fact]
    public async Task Start_ManyAtOnce_AllComplete()
    {
        RequireTier(IsolationTier.Process);
        using var tmp = new TempDir();
        var outputs = Enumerable.Range(0, 8).Select(_ => new MemoryStream()).ToList();
        var sandboxes = outputs.Select(o => SandboxLauncher.Start(Request(Guests.C("hello"), IsolationTier.Process, tmp) with { Stdout = new OutputTarget.ToStream(o) })).ToList();

        await Task.WhenAll(sandboxes.Select(s => s.Completion)).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.All(sandboxes, s => Assert.Equal(OutcomeKind.Exited, s.Wait().Outcome.Kind));
        Assert.All(outputs, o => Assert.NotEmpty(o.ToArray()));
        foreach (var s in sandboxes) s.Dispose();
    }
}
