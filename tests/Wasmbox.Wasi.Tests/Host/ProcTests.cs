using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Tests.Host;

public class ProcTests
{
    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(42u)]
    [InlineData(125u)]
    public void ProcExit_BelowOneHundredTwentySix_ExitsWithThatCode(uint rval)
    {
        using var f = new HostFixture();

        var exit = Assert.Throws<WasiProcExit>(() => f.Host.ProcExit(f.View, rval));

        Assert.Equal((int)rval, exit.Code);
    }

    [Theory]
    [InlineData(126u)]
    [InlineData(127u)]
    [InlineData(200u)]
    [InlineData(uint.MaxValue)]
    public void ProcExit_OneHundredTwentySixOrMore_Traps(uint rval)
    {
        using var f = new HostFixture();

        var trap = Assert.Throws<WasiTrap>(() => f.Host.ProcExit(f.View, rval));

        Assert.StartsWith("exit with invalid exit status outside of [0..126)", trap.Message);
    }

    [Theory]
    [InlineData(Signal.Pipe)]
    [InlineData(Signal.Chld)]
    [InlineData(Signal.Cont)]
    [InlineData(Signal.Urg)]
    [InlineData(Signal.Winch)]
    public void ProcRaise_IgnoredByDefault_Succeeds(Signal signal)
    {
        using var f = new HostFixture();

        Assert.Equal(Errno.Success, f.Host.ProcRaise(f.View, (uint)signal));
    }

    [Theory]
    [InlineData(Signal.Hup, "SIGHUP")]
    [InlineData(Signal.Int, "SIGINT")]
    [InlineData(Signal.Abrt, "SIGABRT")]
    [InlineData(Signal.Kill, "SIGKILL")]
    [InlineData(Signal.Segv, "SIGSEGV")]
    [InlineData(Signal.Term, "SIGTERM")]
    [InlineData(Signal.Usr1, "SIGUSR1")]
    [InlineData(Signal.Sys, "SIGSYS")]
    public void ProcRaise_TerminatingSignal_TrapsNamingIt(Signal signal, string name)
    {
        using var f = new HostFixture();

        var trap = Assert.Throws<WasiTrap>(() => f.Host.ProcRaise(f.View, (uint)signal));

        Assert.Contains(name, trap.Message);
    }

    [Theory]
    [InlineData(Signal.Stop)]
    [InlineData(Signal.Tstp)]
    [InlineData(Signal.Ttin)]
    [InlineData(Signal.Ttou)]
    public void ProcRaise_StopSignal_Traps(Signal signal)
    {
        using var f = new HostFixture();

        var trap = Assert.Throws<WasiTrap>(() => f.Host.ProcRaise(f.View, (uint)signal));

        Assert.Contains("stopped", trap.Message);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(31u)]
    [InlineData(255u)]
    [InlineData(256u + 15)]
    [InlineData(uint.MaxValue)]
    public void ProcRaise_NoSuchSignal_IsInval(uint sig)
    {
        using var f = new HostFixture();

        Assert.Equal(Errno.Inval, f.Host.ProcRaise(f.View, sig));
    }

    [Fact]
    public void SignalDefaultAction_EverySignal_IsClassified()
    {
        var terminating = Enumerable.Range(1, 30).Select(n => (Signal)n).Count(s => s.DefaultAction() == SignalAction.Terminate);

        // 30 signals: 4 ignored (PIPE, CHLD, URG, WINCH), 1 continue, 4 stop; the other 21 terminate, as the spec lists.
        Assert.Equal(21, terminating);
    }
}
