using System.Text.Json;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Bubblewrap;

namespace Wasmbox.Jail.Tests.Workers;

/// <summary>
/// What the jail shows a worker, checked from inside by the worker's own self-check, with the jail of a real job:
/// each test names something the policy did not grant and asserts both the refusal and that the host did not change.
/// </summary>
[Collection(WorkerCollection.Name)]
public class JailViewTests
{
    private static SandboxPolicy Grants(string rw, string ro) => SandboxPolicy.DenyAll with
    {
        Dirs = [new DirGrant(rw, "/data", ReadOnly: false), new DirGrant(ro, "/ro", ReadOnly: true)],
    };

    [Fact]
    public void Jail_HostFilesOutsideTheGrants_AreInvisible()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        var rw = tmp.Dir("rw");
        var ro = tmp.Dir("ro");
        var other = tmp.Dir("not-granted");
        var home = Environment.GetEnvironmentVariable("HOME") ?? "/root";

        var report = WorkerRuns.SelfCheck(IsolationTier.Jail, WorkerRuns.Job(Guests.C("hello"), Grants(rw, ro)),
            "--path", "/etc/passwd", "--path", home, "--path", "/sys/fs/cgroup", "--path", "/home",
            "--path", rw, "--path", ro, "--path", other, "--path", JailLayout.Grant(0), "--path", JailLayout.Grant(1));

        foreach (var hidden in new[] { "/etc/passwd", home, "/sys/fs/cgroup", "/home", rw, ro, other })
            Assert.Equal("invisible", report.GetProperty($"path:{hidden}").GetString());
        Assert.Equal("visible", report.GetProperty($"path:{JailLayout.Grant(0)}").GetString());
        Assert.Equal("visible", report.GetProperty($"path:{JailLayout.Grant(1)}").GetString());
    }

    [Fact]
    public void Jail_ReadOnlyGrant_RefusesWritesAndRemountAndTheHostIsUnchanged()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        var rw = tmp.Dir("rw");
        var ro = tmp.Dir("ro");
        File.WriteAllText(Path.Combine(ro, "kept.txt"), "original");
        var before = HostSnapshot.Of(ro);

        var report = WorkerRuns.SelfCheck(IsolationTier.Jail, WorkerRuns.Job(Guests.C("hello"), Grants(rw, ro)),
            "--remount", JailLayout.Grant(1), "--write", $"{JailLayout.Grant(1)}/planted.txt", "--write", $"{JailLayout.Grant(1)}/kept.txt",
            "--write", $"{JailLayout.Grant(0)}/allowed.txt");

        Assert.Equal("EPERM", report.GetProperty($"remount:{JailLayout.Grant(1)}").GetString());
        Assert.NotEqual("ok", report.GetProperty($"write:{JailLayout.Grant(1)}/planted.txt").GetString());
        Assert.NotEqual("ok", report.GetProperty($"write:{JailLayout.Grant(1)}/kept.txt").GetString());
        Assert.Empty(HostSnapshot.Of(ro).DiffFrom(before));
        // The read-write grant is the same kind of mount, and works: the refusals above come from the read-only flag.
        Assert.Equal("ok", report.GetProperty($"write:{JailLayout.Grant(0)}/allowed.txt").GetString());
        Assert.Equal("written from inside the jail", File.ReadAllText(Path.Combine(rw, "allowed.txt")));
    }

    [Fact]
    public void Jail_Network_HasOnlyLoopbackAndNoInetSockets()
    {
        WorkerRuns.RequireJail();
        var report = WorkerRuns.SelfCheck(IsolationTier.Jail, WorkerRuns.Job(Guests.C("hello")));

        Assert.Equal(["lo"], report.GetProperty("net_interfaces").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("EPERM", report.GetProperty("socket_inet").GetString());
        Assert.Equal("EPERM", report.GetProperty("socket_inet6").GetString());
        Assert.Equal("ok", report.GetProperty("socket_unix").GetString());
    }

    [Fact]
    public void Jail_Privileges_NoCapabilitiesSeccompOnPtraceRefusedNoCoreDumps()
    {
        WorkerRuns.RequireJail();
        var report = WorkerRuns.SelfCheck(IsolationTier.Jail, WorkerRuns.Job(Guests.C("hello")));

        Assert.Equal("0000000000000000", report.GetProperty("cap_eff").GetString());
        Assert.Equal("2", report.GetProperty("seccomp").GetString());
        Assert.Equal("EPERM", report.GetProperty("ptrace_attach").GetString());
        Assert.Equal("0/0", report.GetProperty("rlimits").GetProperty("core").GetString());
    }

    [Fact]
    public void ProcessTier_SameChecks_ShowWhatOnlyTheJailAdds()
    {
        // The control for the tests above: without the jail the same binary sees the host, so they can fail.
        WorkerRuns.RequireLinux();
        var report = WorkerRuns.SelfCheck(IsolationTier.Process, WorkerRuns.Job(Guests.C("hello")), "--path", "/etc/passwd");

        Assert.Equal("visible", report.GetProperty("path:/etc/passwd").GetString());
        Assert.Equal("ok", report.GetProperty("socket_inet").GetString());
        Assert.Equal("ESRCH", report.GetProperty("ptrace_attach").GetString());
        Assert.Equal("0", report.GetProperty("seccomp").GetString());
    }
}
