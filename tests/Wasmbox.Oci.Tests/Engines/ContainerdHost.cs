using System.Diagnostics;

namespace Wasmbox.Oci.Tests.Engines;

/// <summary>
/// A containerd of the tests' own: config, root, state, socket and the runc root in a temp folder, the CRI plugin off,
/// one namespace, the test image imported from podman (<c>podman save</c> as an OCI archive, <c>ctr image import</c>).
/// <see cref="Dispose"/> removes the image and namespace, stops containerd by its pid, and removes the temp folder and
/// the empty cgroups the namespace got.
/// </summary>
/// <remarks>
/// What cannot be moved into the temp folder (containerd 1.6): the shim's socket folder /run/containerd/s and ctr's
/// FIFO folder /run/containerd/fifo. Both are emptied by their owners; the folders are removed when empty.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed partial class ContainerdHost : IDisposable
{
    public const string Containerd = "/usr/bin/containerd", CtrPath = "/usr/bin/ctr";

    /// <summary>How long containerd may take to serve its socket (it booted in 0.02 s here).</summary>
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(15);

    private readonly TempDir _dir = new("wbc");
    private readonly PodmanHost _podman = new();
    private readonly Lazy<string?> _skipReason;
    private Process? _daemon;

    public ContainerdHost()
    {
        Namespace = "wasmbox-test-" + Guid.NewGuid().ToString("N")[..8];
        Runtime = RuntimeWrapper.Write(_dir.File("wasmbox-oci"), _dir.Dir("oci-state"));
        _skipReason = new(Start);
    }

    public string Namespace { get; }

    /// <summary>The executable given to <c>ctr run --runc-binary</c>.</summary>
    public string Runtime { get; }

    /// <summary>The shim's runc root (<c>ctr run --runc-root</c>): wasmbox-oci's state goes below it, beside runc's.</summary>
    public string RuncRoot => _dir.File("runc");

    public string Image => _podman.WasmImage;

    public TempDir Dir => _dir;

    public void Require()
    {
        if (_skipReason.Value is { } why) Assert.Skip(why);
    }

    public ExecResult Ctr(params string[] args) => Exec.Run(CtrPath, ["--address", Socket, "--namespace", Namespace, .. args]);

    /// <summary><c>ctr run --rm --runc-binary WASMBOX-OCI --runc-root R [OPTIONS] IMAGE ID [ARGS]</c>; ARGS replace the image's command.</summary>
    public ExecResult Run(IEnumerable<string> options, string id, params string[] args) =>
        Ctr(["run", "--rm", "--runc-binary", Runtime, "--runc-root", RuncRoot, .. options, Image, id, .. args]);

    private string Socket => _dir.File("containerd.sock");

    private string? Start()
    {
        if (!OperatingSystem.IsLinux()) return "containerd tests run on Linux only";
        if (!File.Exists(Containerd) || !File.Exists(CtrPath)) return "containerd is not installed (apt-get install -y containerd; test.sh does this as root)";
        if (!File.Exists(PodmanHost.Podman)) return "the test image is built with podman, which is not installed (apt-get install -y podman)";
        if (!File.Exists("/usr/bin/bwrap")) return "wasm containers run in the jail tier, which needs bubblewrap (apt-get install -y bubblewrap)";
        if (Environment.UserName != "root") return "containerd runs as root here: run the containerd tests as root";

        // The CRI plugin wants a CNI setup and a default runtime; ctr needs neither.
        var config = _dir.Write("config.toml", PrivateConfig(_dir, Socket, topLevel: """disabled_plugins = ["io.containerd.grpc.v1.cri"]"""));
        _daemon = StartDaemon(config, _dir.File("containerd.log"));
        var ready = Poll.Until(() => _daemon.HasExited || (File.Exists(Socket) && Exec.Run(CtrPath, ["--address", Socket, "version"], TimeSpan.FromSeconds(10)).ExitCode == 0),
            r => r, StartLimit);
        if (!ready || _daemon.HasExited)
            throw new InvalidOperationException($"containerd did not serve {Socket} within {StartLimit.TotalSeconds} s: {File.ReadAllText(_dir.File("containerd.log"))}");

        _podman.Require();
        var archive = _podman.SaveWasmImage(_dir.File("image.tar"));
        var import = Ctr("image", "import", archive);
        Assert.True(import.ExitCode == 0, import.ToString());
        return null;
    }

    /// <summary>
    /// The part of a private containerd's config every test host shares: its root, state and plugin folders in
    /// <paramref name="dir"/>, served on <paramref name="socket"/>. <paramref name="topLevel"/> goes among the top-level
    /// keys (TOML wants them before any table); the caller appends its own tables after.
    /// </summary>
    internal static string PrivateConfig(TempDir dir, string socket, string topLevel = "") => $"""
        version = 2
        root = "{dir.File("root")}"
        state = "{dir.File("state")}"
        {topLevel}
        [grpc]
          address = "{socket}"
        [ttrpc]
          address = "{socket}.ttrpc"
        [plugins."io.containerd.internal.v1.opt"]
          path = "{dir.File("opt")}"

        """;

    /// <summary>Starts containerd with <paramref name="config"/>, its output appended to <paramref name="log"/>: a pipe
    /// nobody reads would block it.</summary>
    internal static Process StartDaemon(string config, string log)
    {
        var shell = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        shell.ArgumentList.Add("-c");
        shell.ArgumentList.Add($"exec '{Containerd}' --config '{config}' </dev/null >>'{log}' 2>&1");
        return Process.Start(shell) ?? throw new InvalidOperationException("cannot start containerd");
    }

    public void Dispose()
    {
        if (_daemon is { } daemon)
        {
            try
            {
                Ctr("image", "rm", Image);
                Ctr("namespaces", "rm", Namespace);
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException) { }
            // By its pid: SIGTERM, then SIGKILL after 10 s.
            if (!daemon.HasExited)
            {
                Interop.Kill(daemon.Id, 15);
                if (!daemon.WaitForExit(10_000)) daemon.Kill();
                daemon.WaitForExit(5_000);
            }
            daemon.Dispose();
            // The shim (cgroupfs) and the container processes make /NAMESPACE in each hierarchy; empty once all is gone.
            foreach (var dir in CgroupView.Tree(Namespace).OrderByDescending(d => d.Length))
            {
                try { Directory.Delete(dir); }
                catch (IOException) { }
            }
            foreach (var dir in new[] { "/run/containerd/s", "/run/containerd/fifo", "/run/containerd" })
            {
                try { if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir); }
                catch (IOException) { }
            }
        }
        _podman.Dispose();
        _dir.Dispose();
    }

    private static partial class Interop
    {
        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
        public static partial int Kill(int pid, int signal);
    }
}
