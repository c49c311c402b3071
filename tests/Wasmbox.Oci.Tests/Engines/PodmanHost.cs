namespace Wasmbox.Oci.Tests.Engines;

/// <summary>
/// podman with all of its state in a temp folder (<c>--root</c>, <c>--runroot</c>, <c>--tmpdir</c>: images, containers,
/// conmon's exit files and events), wasmbox-oci as its runtime (<see cref="RuntimeWrapper"/>), and one image built
/// FROM scratch holding the test guests. Shared by a test class; <see cref="Dispose"/> removes containers, images and
/// the folder, so the machine's own podman state is never read or written.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class PodmanHost : IDisposable
{
    public const string Podman = "/usr/bin/podman";

    /// <summary>The guests in <see cref="WasmImage"/>, each at /NAME.wasm; its CMD is /hello.wasm and it sets ENV FROM_IMAGE=image-env.</summary>
    public static readonly string[] ImageGuests = ["hello", "exit_code", "args_env", "files", "memhog", "spin", "net"];

    /// <remarks>A short prefix: podman refuses a runroot longer than 50 characters, and this gives /tmp/wbp-&lt;32 hex&gt;/run (45).</remarks>
    private readonly TempDir _dir = new("wbp");
    private readonly Lazy<string?> _skipReason;
    private readonly Lazy<string> _wasmImage;
    private readonly Lazy<string> _nativeImage;
    private readonly Lazy<string> _pauseImage;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..12];

    public PodmanHost()
    {
        Runtime = RuntimeWrapper.Write(_dir.File("wasmbox-oci"), _dir.Dir("oci-state"));
        _skipReason = new(FindSkipReason);
        _wasmImage = new(() => Build("wasm", WasmContext()));
        _nativeImage = new(() => Build("native", NativeContext()));
        _pauseImage = new(() => Build("pause", PauseContext()));
    }

    /// <summary>The executable podman runs as its OCI runtime.</summary>
    public string Runtime { get; }

    /// <summary>wasmbox-oci's state root (the wrapper's <c>--root</c>).</summary>
    public string StateRoot => _dir.File("oci-state");

    public TempDir Dir => _dir;

    /// <summary>localhost/wasmbox-test-wasm:TAG, built on first use.</summary>
    public string WasmImage => _wasmImage.Value;

    /// <summary>A static native hello (<c>cc -static</c>) that prints <c>hello from native</c> and exits with argv[1]; for runc.</summary>
    public string NativeImage => _nativeImage.Value;

    /// <summary>
    /// A static native stand-in for Kubernetes' pause image (<c>/pause</c>, built on first use): it waits until a
    /// signal ends it. As PID 1 of its pid namespace it would ignore SIGTERM without a handler, so it has one.
    /// </summary>
    public string PauseImage => _pauseImage.Value;

    /// <summary>Skips the test, saying why, unless podman can run wasm containers here.</summary>
    public void Require()
    {
        if (_skipReason.Value is { } why) Assert.Skip(why);
    }

    private static string? FindSkipReason()
    {
        if (!OperatingSystem.IsLinux()) return "podman tests run on Linux only";
        if (!File.Exists(Podman)) return "podman is not installed (apt-get install -y podman runc; test.sh does this as root)";
        if (!File.Exists("/usr/bin/bwrap")) return "wasm containers run in the jail tier, which needs bubblewrap (apt-get install -y bubblewrap)";
        if (Environment.UserName != "root") return "the podman tests run rootful podman (cgroupfs, overlay): run them as root";
        return null;
    }

    /// <summary>podman's global flags: every piece of state in the temp folder; cgroupfs (no systemd here); events to a file.</summary>
    public IEnumerable<string> Global =>
    [
        "--root", _dir.File("storage"), "--runroot", _dir.File("run"), "--tmpdir", _dir.File("tmp"),
        "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", Runtime,
    ];

    public ExecResult Run(params string[] args) => Exec.Run(Podman, [.. Global, .. args]);

    public ExecResult Ok(params string[] args) => Exec.Ok(Podman, [.. Global, .. args]);

    /// <summary><c>podman run --rm --network none [OPTIONS] IMAGE [ARGS]</c> with wasmbox-oci.</summary>
    public ExecResult RunContainer(IEnumerable<string> options, string image, params string[] args) =>
        Run(["run", "--rm", "--network", "none", .. options, image, .. args]);

    private string Build(string kind, string context)
    {
        var image = $"localhost/wasmbox-test-{kind}:{_tag}";
        Ok("build", "-q", "-t", image, context);
        return image;
    }

    private string WasmContext()
    {
        var context = _dir.Dir("wasm-context");
        foreach (var g in ImageGuests) File.Copy(Guests.C(g), Path.Combine(context, g + ".wasm"));
        File.WriteAllText(Path.Combine(context, "Containerfile"), """
            FROM scratch
            COPY *.wasm /
            ENV FROM_IMAGE=image-env
            CMD ["/hello.wasm"]

            """);
        return context;
    }

    private string NativeContext() => StaticContext("native", "hello", """
        #include <stdio.h>
        #include <stdlib.h>
        int main(int argc, char **argv) { puts("hello from native"); return argc > 1 ? atoi(argv[1]) : 0; }

        """);

    private string PauseContext() => StaticContext("pause", "pause", """
        #include <signal.h>
        #include <unistd.h>
        static void stop(int sig) { (void)sig; _exit(0); }
        int main(void) { signal(SIGTERM, stop); signal(SIGINT, stop); for (;;) pause(); }

        """);

    /// <summary>A build context FROM scratch holding one static executable <c>/NAME</c> (its CMD), compiled from <paramref name="source"/>.</summary>
    private string StaticContext(string kind, string name, string source)
    {
        var context = _dir.Dir(kind + "-context");
        var file = Path.Combine(context, name + ".c");
        File.WriteAllText(file, source);
        if (!File.Exists("/usr/bin/cc")) Assert.Skip("a static native image needs a C compiler (apt-get install -y gcc libc6-dev)");
        var cc = Exec.Run("/usr/bin/cc", ["-static", "-O2", "-o", Path.Combine(context, name), file]);
        if (cc.ExitCode != 0) Assert.Skip($"cannot build a static native {name} (cc -static; apt-get install -y libc6-dev): {cc.Stderr}");
        File.Delete(file);
        File.WriteAllText(Path.Combine(context, "Containerfile"), $"""
            FROM scratch
            COPY {name} /{name}
            CMD ["/{name}"]

            """);
        return context;
    }

    /// <summary>podman save of the wasm image as an OCI archive, for containerd's ctr import.</summary>
    public string SaveWasmImage(string path) => SaveImage(WasmImage, path);

    /// <summary>podman save of <paramref name="image"/> as an OCI archive (one image per archive), for ctr import.</summary>
    public string SaveImage(string image, string path)
    {
        Ok("save", "--format", "oci-archive", "-o", path, image);
        return path;
    }

    public void Dispose()
    {
        if (_skipReason.IsValueCreated && _skipReason.Value is null)
        {
            // Containers a failed test left, then our images; the temp store holds nothing else.
            try
            {
                Run("rm", "--all", "--force", "--time", "0");
                foreach (var image in new[] { _wasmImage, _nativeImage, _pauseImage }.Where(l => l.IsValueCreated).Select(l => l.Value))
                    Run("rmi", "--force", image);
            }
            catch (TimeoutException) { }
            catch (InvalidOperationException) { }
        }
        _dir.Dispose();
    }
}
