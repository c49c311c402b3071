using Wasmbox.Core.Policy;
using System.Text.Json;
using Wasmbox.Jail.Probes;

namespace Wasmbox.Jail.Tests;

public class HostReportTests
{
    private static List<LayerStatus> AllOk() =>
        Layers.All.Select(l => new LayerStatus(l, true, "ok", null)).ToList();

    private static List<LayerStatus> With(params LayerStatus[] replaced) =>
        AllOk().Select(l => replaced.FirstOrDefault(r => r.Layer == l.Layer) ?? l).ToList();

    [Fact]
    public void From_BubblewrapAndSeccompWork_IsJail()
    {
        var r = HostReport.From(AllOk());
        Assert.Equal(IsolationTier.Jail, r.Tier);
        Assert.Empty(r.Missing);
        Assert.Null(r.Install);
        Assert.Equal("this host can run --isolation jail", r.Verdict);
    }

    [Fact]
    public void From_OptionalLayersMissing_StillJail() =>
        Assert.Equal(IsolationTier.Jail, HostReport.From(With(new LayerStatus(Layers.Cgroups, false, "none", "x"),
                                                              new LayerStatus(Layers.Landlock, false, "none", null))).Tier);

    [Fact]
    public void From_NoBubblewrap_ProcessWithInstallCommand()
    {
        var r = HostReport.From(With(new LayerStatus(Layers.Bubblewrap, false, "/usr/bin/bwrap not found", "apt-get install -y bubblewrap")));
        Assert.Equal(IsolationTier.Process, r.Tier);
        Assert.Equal([Layers.Bubblewrap], r.Missing);
        Assert.Equal("this host can run only --isolation process: install bubblewrap (apt-get install -y bubblewrap)", r.Verdict);
    }

    [Fact]
    public void From_BothPackagesMissing_OneAptCommand()
    {
        var r = HostReport.From(With(new LayerStatus(Layers.Bubblewrap, false, "", "apt-get install -y bubblewrap"),
                                     new LayerStatus(Layers.Seccomp, false, "", "apt-get install -y libseccomp2")));
        Assert.Equal("apt-get install -y bubblewrap libseccomp2", r.Install);
        Assert.Equal("this host can run only --isolation process: install bubblewrap and libseccomp2 (apt-get install -y bubblewrap libseccomp2)", r.Verdict);
    }

    [Fact]
    public void From_BubblewrapDeniedNamespaces_VerdictGivesTheSysctl()
    {
        var r = HostReport.From(With(new LayerStatus(Layers.Bubblewrap, false, "cannot create the jail", "sysctl -w kernel.unprivileged_userns_clone=1")));
        Assert.Equal("this host can run only --isolation process: bubblewrap not usable (sysctl -w kernel.unprivileged_userns_clone=1)", r.Verdict);
    }

    [Fact]
    public void ToJson_SnakeCaseWithTierAsWord()
    {
        using var doc = JsonDocument.Parse(HostReport.From(AllOk()).ToJson());
        Assert.Equal("jail", doc.RootElement.GetProperty("tier").GetString());
        Assert.Equal(Layers.All.Count, doc.RootElement.GetProperty("layers").GetArrayLength());
        Assert.True(doc.RootElement.GetProperty("layers")[0].GetProperty("available").GetBoolean());
        Assert.Equal("this host can run --isolation jail", doc.RootElement.GetProperty("verdict").GetString());
    }

    [Fact]
    public void Probe_ThisHost_EveryLayerOnceInOrderAndTierFollowsBubblewrapAndSeccomp()
    {
        LinuxOnly.Require();
        var r = HostReport.Probe();
        Assert.Equal(Layers.All, r.Layers.Select(l => l.Layer));
        var needed = r.Layers.Where(l => l.Layer is Layers.Bubblewrap or Layers.Seccomp).All(l => l.Available);
        Assert.Equal(needed ? IsolationTier.Jail : IsolationTier.Process, r.Tier);
    }
}
