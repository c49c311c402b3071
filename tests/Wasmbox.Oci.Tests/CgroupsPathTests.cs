using System.Text.Json.Nodes;
using Wasmbox.Oci.Tests.Engines;

namespace Wasmbox.Oci.Tests;

/// <summary>
/// linux.cgroupsPath on hand-written bundles, under a parent cgroup the test makes and removes: the container process
/// sits in the container's cgroup with its limits before create returns, the worker's cgroup is inside it, and
/// nothing is left once the container is gone (SIGTERM, or SIGKILL then delete).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CgroupsPathTests : IDisposable
{
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(30);
    private const long GuestLimit = 32L * 1024 * 1024;

    /// <summary>The test's own parent, /wasmbox-oci-test-&lt;random&gt;, in every hierarchy; the container's cgroup is made below it.</summary>
    private readonly string _parent = "/wasmbox-oci-test-" + Guid.NewGuid().ToString("N")[..12];

    public CgroupsPathTests()
    {
        Jail.Require();
        if (Environment.UserName != "root") Assert.Skip("making cgroups under /sys/fs/cgroup needs root");
        if (CgroupView.DirOf(Environment.ProcessId, "memory") is null) Assert.Skip("no memory cgroup controller is mounted here");
    }

    public void Dispose()
    {
        // The container's cgroup is gone by now (asserted); its parent was made by create (mkdir -p) and stays, as with runc.
        foreach (var dir in CgroupView.Tree(_parent.TrimStart('/')).OrderByDescending(d => d.Length))
        {
            try { Directory.Delete(dir); }
            catch (IOException) { }
        }
    }

    private TestBundle SpinBundle(string id)
    {
        var bundle = new TestBundle("/spin.wasm").WithGuest("spin");
        bundle.Config["linux"] = new JsonObject
        {
            ["cgroupsPath"] = $"{_parent}/{id}",
            ["resources"] = new JsonObject
            {
                ["memory"] = new JsonObject { ["limit"] = GuestLimit },
                ["cpu"] = new JsonObject { ["quota"] = 50000, ["period"] = 100000 },
                ["pids"] = new JsonObject { ["limit"] = 1000 },
            },
        };
        return bundle;
    }

    [Fact]
    public void Create_CgroupsPath_ContainerProcessJoinsWithLimitsAndTheWorkerNestsInside()
    {
        using var bundle = SpinBundle("c1");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "c1");

        // Before start: the container process is already in the container's cgroup, with its limits.
        var memory = CgroupView.DirOf(pid, "memory")!;
        if (CgroupView.IsUnified)
        {
            // cgroup v2: the container process sits in a leaf beside the worker's cgroup (no internal processes).
            Assert.EndsWith($"{_parent}/c1/container", memory);
            memory = Path.GetDirectoryName(memory)!;
            Assert.Equal((GuestLimit + 128L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), CgroupView.Read(memory, "memory.max"));
            Assert.Equal("50000 100000", CgroupView.Read(memory, "cpu.max"));
        }
        else
        {
            Assert.EndsWith($"{_parent}/c1", memory);
            Assert.Equal((GuestLimit + 128L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), CgroupView.Read(memory, "memory.limit_in_bytes"));
            var cpu = CgroupView.DirOf(pid, "cpu")!;
            Assert.EndsWith($"{_parent}/c1", cpu);
            Assert.Equal("50000", CgroupView.Read(cpu, "cpu.cfs_quota_us"));
            if (CgroupView.DirOf(pid, "pids") is { } pids) Assert.Equal("1000", CgroupView.Read(pids, "pids.max"));
        }
        Assert.Equal("created", oci.State("c1").GetProperty("status").GetString());

        oci.Ok("start", "c1");
        oci.WaitForOutput("c1", "spinning");
        var below = Wasmbox.Oci.State.Liveness.Descendants(pid);
        Assert.NotEmpty(below);
        // The worker (bwrap and below) has its own cgroup, inside the container's.
        Assert.All(below, p => Assert.StartsWith(memory + "/wasmbox-", CgroupView.DirOf(p, "memory")));
        var made = CgroupView.Tree(_parent.TrimStart('/')).Where(d => d.Contains("/c1", StringComparison.Ordinal)).ToList();
        Assert.Contains(made, d => d.Contains("/c1/wasmbox-", StringComparison.Ordinal));

        oci.Ok("kill", "c1", "TERM");
        Assert.Equal(143, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Empty(ProcessTree.WaitGone(below, TimeSpan.FromSeconds(5)));
        Assert.All(made, dir => Assert.False(Directory.Exists(dir), $"cgroup {dir} was left behind"));
        oci.Ok("delete", "c1");
    }

    [Fact]
    public void Delete_AfterSigkill_RemovesTheContainersCgroup()
    {
        using var bundle = SpinBundle("k1");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "k1");
        oci.Ok("start", "k1");
        oci.WaitForOutput("k1", "spinning");
        var below = Wasmbox.Oci.State.Liveness.Descendants(pid);
        var made = CgroupView.Tree(_parent.TrimStart('/')).Where(d => d.Contains("/k1", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(made);

        oci.Ok("kill", "k1", "KILL");
        Assert.Equal(137, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Empty(ProcessTree.WaitGone(below, TimeSpan.FromSeconds(5)));
        // SIGKILL cannot be caught: the folders stay until delete.
        Assert.Contains(made, Directory.Exists);
        oci.Ok("delete", "k1");
        Assert.All(made, dir => Assert.False(Directory.Exists(dir), $"cgroup {dir} was left behind after delete"));
    }

    [Fact]
    public void Create_SystemdCgroupsPath_RefusedAndNothingLeft()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Config["linux"] = new JsonObject { ["cgroupsPath"] = "system.slice:wasmbox:c2" };
        using var oci = new OciRuntime();
        var r = oci.Run(["create", "--bundle", bundle.Save(), "c2"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("cgroupfs", r.Stderr);
        Assert.Equal(1, oci.Run(["state", "c2"]).ExitCode);
    }
}
