using Wasmbox.Core.Outcomes;

namespace Wasmbox.Runtime.Tests;

public class SandboxExitTests
{
    [Fact]
    public void Run_Hello_PrintsAndExitsZero()
    {
        var run = GuestRun.Of(Guests.C("hello"));
        Assert.Equal(OutcomeKind.Exited, run.Outcome.Kind);
        Assert.Equal(0, run.Outcome.ExitStatus);
        Assert.Equal("hello from wasmbox\n", run.Stdout);
        Assert.Empty(run.Usage.LimitsHit);
        Assert.Matches("^[0-9a-f]{64}$", run.Result.ModuleSha256);
    }

    [Theory]
    [InlineData(new[] { "0" }, 0)]
    [InlineData(new[] { "1" }, 1)]
    [InlineData(new[] { "42" }, 42)]
    [InlineData(new[] { "42", "return" }, 42)]
    [InlineData(new[] { "125" }, 125)]
    [InlineData(new string[0], 0)]
    public void Run_ExitCode_PassesThrough(string[] args, int expected)
    {
        var run = GuestRun.Of(Guests.C("exit_code"), args: args);
        Assert.Equal(OutcomeKind.Exited, run.Outcome.Kind);
        Assert.Equal(expected, run.Outcome.GuestExitCode);
        Assert.Equal(expected, run.Outcome.ExitStatus);
    }

    [Fact]
    public void Run_ProcExitZero_IsAnExitNotATrap()
    {
        // Wasmtime reports proc_exit(0) as an exception carrying ExitCode 0; it must still read as a clean exit.
        var run = GuestRun.Of(Guests.Wat("exit_zero"));
        Assert.Equal(RunOutcome.Exited(0), run.Outcome);
    }

    [Fact]
    public void Run_ProcExitAbove125_Traps()
    {
        var run = GuestRun.Of(Guests.Wat("proc_exit_big"));
        Assert.Equal(OutcomeKind.Trapped, run.Outcome.Kind);
        Assert.Equal(134, run.Outcome.ExitStatus);
        Assert.Contains("invalid exit status", run.Outcome.Message);
    }

    [Theory]
    [InlineData("unreachable", "Unreachable")]
    [InlineData("div_zero", "IntegerDivisionByZero")]
    public void Run_TrappingWat_ReportsTrapCode(string guest, string trap)
    {
        var run = GuestRun.Of(Guests.Wat(guest));
        Assert.Equal(OutcomeKind.Trapped, run.Outcome.Kind);
        Assert.Equal(trap, run.Outcome.Trap);
        Assert.Equal(134, run.Outcome.ExitStatus);
        Assert.DoesNotContain('\n', run.Outcome.Message);
    }

    [Fact]
    public void Run_CGuestTrap_KeepsOutputWrittenBeforeIt()
    {
        var run = GuestRun.Of(Guests.C("trap"));
        Assert.Equal("Unreachable", run.Outcome.Trap);
        Assert.Equal("about to trap\n", run.Stdout);
    }

    [Fact]
    public void Run_Args_Argv0IsModulePathThenArgsVerbatim()
    {
        var module = Guests.C("args_env");
        var run = GuestRun.Of(module, args: ["one", "two words", "", "--dir", "/"]);
        Assert.Equal(
            $"argc=6\nargv[0]={module}\nargv[1]=one\nargv[2]=two words\nargv[3]=\nargv[4]=--dir\nargv[5]=/\n",
            run.Stdout);
    }

    [Fact]
    public void Run_WorkerTierInProcess_IsRefusedNotRunHere()
    {
        foreach (var tier in new[] { Core.Policy.IsolationTier.Jail, Core.Policy.IsolationTier.Process })
        {
            var run = GuestRun.Of(Guests.C("hello"), Core.Policy.SandboxPolicy.DenyAll with { Isolation = tier });
            Assert.Equal(OutcomeKind.SetupFailed, run.Outcome.Kind);
            Assert.Contains("worker", run.Outcome.Message);
            Assert.Equal("", run.Stdout);
        }
    }

    [Fact]
    public void Run_CpusInProcess_IsRefused()
    {
        var run = GuestRun.Of(Guests.C("hello"), Core.Policy.SandboxPolicy.DenyAll with { Limits = Core.Policy.SandboxLimits.None with { Cpus = 0.5 } });
        Assert.Equal(OutcomeKind.SetupFailed, run.Outcome.Kind);
        Assert.Contains("--cpus", run.Outcome.Message);
        Assert.Equal("", run.Stdout);
    }
}
