namespace Wasmbox.Oci.Tests;

/// <summary>Containers that are not wasm go to runc: here a fake runc, a script that records how it was called.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DelegationTests
{
    /// <summary>Records its argv, one call per line; on create it makes the container's folder in its --root, as runc does.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static string FakeRunc(OciRuntime oci)
    {
        var path = oci.File("fake-runc");
        File.WriteAllText(path, $$"""
            #!/bin/sh
            echo "$*" >> '{{oci.File("runc-calls")}}'
            root="$2"
            for last; do :; done
            case " $* " in *" create "*) mkdir -p "$root/$last" ;; *" delete "*) rm -rf "$root/$last" ;; esac
            exit 0
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        oci.GlobalArgs.AddRange(["--delegate", path]);
        return oci.File("runc-calls");
    }

    [Fact]
    public void Create_NonWasmBundle_EveryCallGoesToRuncWithItsOwnRoot()
    {
        using var bundle = new TestBundle("/bin/app");
        Directory.CreateDirectory(Path.Combine(bundle.Rootfs, "bin"));
        File.WriteAllBytes(Path.Combine(bundle.Rootfs, "bin", "app"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1]);
        using var oci = new OciRuntime();
        var calls = FakeRunc(oci);
        var bundlePath = bundle.Save();
        oci.Ok("create", "--bundle", bundlePath, "--pid-file", oci.File("p.pid"), "linux1");
        oci.Ok("start", "linux1");
        oci.Ok("state", "linux1");
        oci.Ok("kill", "linux1", "9");
        oci.Ok("exec", "--process", "/tmp/p.json", "--detach", "linux1");
        oci.Ok("delete", "--force", "linux1");

        var runcRoot = Path.Combine(oci.Root, "wasmbox@oci", "runc");
        var prefix = $"--root {runcRoot} --log {oci.LogFile} --log-format json";
        Assert.Equal(
        [
            $"{prefix} create --bundle {bundlePath} --pid-file {oci.File("p.pid")} linux1",
            $"{prefix} start linux1",
            $"{prefix} state linux1",
            $"{prefix} kill linux1 9",
            $"{prefix} exec --process /tmp/p.json --detach linux1",
            $"{prefix} delete --force linux1",
        ], File.ReadAllLines(calls));
    }

    [Fact]
    public void Create_PodSandboxWithWasmAnnotation_StillGoesToRunc()
    {
        using var bundle = new TestBundle("/pause").Annotate("module.wasm.image/variant", "compat").Annotate("io.kubernetes.cri.container-type", "sandbox");
        using var oci = new OciRuntime();
        var calls = FakeRunc(oci);
        oci.Ok("create", "--bundle", bundle.Save(), "pause");
        Assert.Contains(" create --bundle ", File.ReadAllText(calls));
    }

    [Fact]
    public void Create_NonWasmBundleWithoutRunc_SaysToInstallIt()
    {
        using var bundle = new TestBundle("/bin/app");
        using var oci = new OciRuntime();
        oci.GlobalArgs.AddRange(["--delegate", oci.File("no-runc-here")]);
        var r = oci.Run(["create", "--bundle", bundle.Save(), "x"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("this container is not wasm", r.Stderr);
        Assert.Contains("install runc", r.Stderr);
    }

    [Fact]
    public void Delegate_RelativePath_RefusedWithoutSearchingPath()
    {
        using var oci = new OciRuntime();
        oci.GlobalArgs.AddRange(["--delegate", "runc"]);
        var r = oci.Run(["features"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("never searches PATH", r.Stderr);
    }

    [Fact]
    public void RealRunc_Version_Runs()
    {
        if (!File.Exists("/usr/bin/runc")) Assert.Skip("runc is not installed at /usr/bin/runc (apt-get install -y runc); the fake-runc tests cover delegation");
        using var oci = new OciRuntime();
        var r = oci.Run(["list"]);
        Assert.Equal(0, r.ExitCode);
    }
}
