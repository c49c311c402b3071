using Wasmbox.Jail.Probes;

namespace Wasmbox.Jail.Tests.Probes;

public class UserNamespaceProbeTests
{
    [Theory]
    [InlineData(15000L, null, null, false, true, null)]
    [InlineData(15000L, 0, null, false, false, "sysctl -w kernel.unprivileged_userns_clone=1")]
    [InlineData(15000L, 0, null, true, true, null)]
    [InlineData(15000L, 1, 1, false, false, "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0")]
    [InlineData(0L, null, null, true, false, "sysctl -w user.max_user_namespaces=15000")]
    public void Facts_Gates_DecideAllowedAndFix(long max, int? clone, int? apparmor, bool root, bool allowed, string? fix)
    {
        var f = new UserNamespaceFacts(max, clone, apparmor, root);
        Assert.Equal(allowed, f.Allowed);
        Assert.Equal(fix, f.Fix);
        var s = UserNamespaceProbe.Interpret(f);
        Assert.Equal(allowed, s.Available);
        Assert.Equal(fix, s.Fix);
    }

    [Fact]
    public void ReadFacts_FakeProc_ReadsEachSysctlAndAbsentIsNull()
    {
        using var proc = new TempDir();
        proc.Write("sys/user/max_user_namespaces", "96365\n");
        proc.Write("sys/kernel/unprivileged_userns_clone", "0\n");

        var f = UserNamespaceProbe.ReadFacts(proc.Path);

        Assert.Equal(96365, f.MaxUserNamespaces);
        Assert.Equal(0, f.UnprivilegedUsernsClone);
        Assert.Null(f.AppArmorRestrictUnprivileged);
    }

    [Fact]
    public void Probe_ThisHost_ReportsTheSysctlValue()
    {
        LinuxOnly.Require();
        var max = File.ReadAllText("/proc/sys/user/max_user_namespaces").Trim();
        var s = UserNamespaceProbe.Probe();
        Assert.Contains($"max_user_namespaces={max}", s.Detail);
        Assert.Equal(UserNamespaceProbe.ReadFacts("/proc").Allowed, s.Available);
    }
}
