using Wasmbox.Oci.Tests.Engines;

namespace Wasmbox.Oci.Tests;

/// <summary>
/// containerd 1.6's runc shim with wasmbox-oci as its runc (<c>ctr run --runc-binary</c>), on a containerd of the
/// tests' own with the podman-built image imported. Skips, saying why, without containerd, podman, bubblewrap or root.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContainerdTests : IClassFixture<ContainerdTests.Host>, IDisposable
{
    /// <summary>The class's containerd: started on first use, stopped by its pid at the end.</summary>
    public sealed class Host : IDisposable
    {
        internal ContainerdHost Containerd { get; } = new();

        public void Dispose() => Containerd.Dispose();
    }

    private readonly ContainerdHost _containerd;
    private readonly TempDir _dir = new("wasmbox-ctr-test");

    public ContainerdTests(Host host)
    {
        _containerd = host.Containerd;
        _containerd.Require();
    }

    public void Dispose() => _dir.Dispose();

    private static string NewId(string what) => $"{what}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public void Run_Hello_PrintsGuestStdout()
    {
        var r = _containerd.Run([], NewId("hello"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hello from wasmbox\n", r.Stdout);
    }

    [Fact]
    public void Run_ExitCode_IsTheGuests()
    {
        var r = _containerd.Run([], NewId("exit"), "/exit_code.wasm", "17");
        Assert.True(r.ExitCode == 17, r.ToString());
    }

    [Fact]
    public void Run_BindMounts_ReadWriteWrittenReadOnlyRefused()
    {
        var data = _dir.Dir("data");
        var ro = _dir.Dir("ro");
        var kept = Path.Combine(ro, "kept.txt");
        File.WriteAllText(kept, "original");
        string[] mounts = ["--mount", $"type=bind,src={data},dst=/data,options=rbind:rw", "--mount", $"type=bind,src={ro},dst=/ro,options=rbind:ro"];

        var write = _containerd.Run(mounts, NewId("rw"), "/files.wasm", "write", "/data/new.txt", "written-by-guest");
        Assert.True(write.ExitCode == 0, write.ToString());
        Assert.Equal("written-by-guest", File.ReadAllText(Path.Combine(data, "new.txt")));

        var refused = _containerd.Run(mounts, NewId("ro"), "/files.wasm", "write", "/ro/kept.txt", "overwritten");
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.StartsWith("error: ", refused.Stdout);
        Assert.Equal("original", File.ReadAllText(kept));
    }

    [Fact]
    public void Run_Finished_LeavesNoStateOrCgroup()
    {
        var id = NewId("gone");
        var r = _containerd.Run([], id, "/exit_code.wasm", "0");
        Assert.True(r.ExitCode == 0, r.ToString());
        // Our state sits below the shim's runc root (never colliding with runc's ROOT/ID) and goes with delete.
        var ours = Path.Combine(_containerd.RuncRoot, _containerd.Namespace, "wasmbox@oci", "containers", id);
        Assert.False(Directory.Exists(ours), $"{ours} was left behind");
        // ctr asks for linux.cgroupsPath /NAMESPACE/ID: made by the container process, removed when it ended.
        Assert.DoesNotContain(CgroupView.Tree(_containerd.Namespace), d => d.EndsWith("/" + id, StringComparison.Ordinal));
        Assert.Empty(_containerd.Ctr("containers", "ls", "-q").Stdout.Trim());
    }
}
