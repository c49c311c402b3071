using System.Runtime.InteropServices;
using Wasmbox.Jail.Probes;

namespace Wasmbox.Jail.Tests.Probes;

public class SeccompProbeTests
{
    [Fact]
    public void ParseStatus_ProcSelfStatus_ReadsModeAndFilters()
    {
        const string status = "Name:\tdotnet\nNoNewPrivs:\t0\nSeccomp:\t2\nSeccomp_filters:\t1\nSpeculation_Store_Bypass:\tthread vulnerable\n";
        Assert.Equal(new SeccompStatus(2, 1), SeccompProbe.ParseStatus(status));
    }

    [Fact]
    public void ParseStatus_OlderKernelWithoutFiltersLine_ModeOnly() =>
        Assert.Equal(new SeccompStatus(0, null), SeccompProbe.ParseStatus("Seccomp:\t0\n"));

    [Fact]
    public void ParseStatus_NoSeccompLine_IsNull() =>
        Assert.Null(SeccompProbe.ParseStatus("Name:\tdotnet\nState:\tR (running)\n"));

    [Fact]
    public void Interpret_LibraryMissing_FixInstallsLibseccomp2()
    {
        var s = SeccompProbe.Interpret(false, null, new SeccompStatus(0, 0), 0, 0);
        Assert.False(s.Available);
        Assert.Contains("libseccomp.so.2 not loadable", s.Detail);
        Assert.Equal("apt-get install -y libseccomp2", s.Fix);
    }

    [Fact]
    public void Interpret_KernelWithoutSeccomp_Unavailable()
    {
        var s = SeccompProbe.Interpret(true, "2.5.4", null, -1, 22);
        Assert.False(s.Available);
        Assert.Contains("the kernel has no seccomp", s.Detail);
    }

    [Fact]
    public void Probe_ThisHost_LoadsLibseccompAndSeesKernelSupport()
    {
        LinuxOnly.Require();
        if (!NativeLibrary.TryLoad("libseccomp.so.2", out var h)) Assert.Skip("libseccomp.so.2 is not installed (apt-get install -y libseccomp2)");
        NativeLibrary.Free(h);
        var s = SeccompProbe.Probe();
        Assert.True(s.Available, s.Detail);
        Assert.Matches(@"^libseccomp \d+\.\d+\.\d+; kernel seccomp mode \d", s.Detail);
    }
}
