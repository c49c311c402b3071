using System.Diagnostics;
using System.Net.Sockets;
using Grpc.Net.Client;
using Wasmbox.Oci.Tests.Cri.V1;

namespace Wasmbox.Oci.Tests.Engines;

/// <summary>
/// A containerd of the tests' own with its CRI plugin on, as a Kubernetes node runs it: a <c>wasmbox</c> runtime handler
/// whose runc is wasmbox-oci (<see cref="RuntimeWrapper"/>), runc as the default handler, a locally built pause image
/// as the sandbox image, and the podman-built wasm image, both imported into the CRI's <c>k8s.io</c> namespace. The
/// tests talk to it as the kubelet does, over gRPC on its unix socket (<see cref="Runtime"/>, <see cref="Images"/>).
/// </summary>
/// <remarks>
/// Everything is private to a temp folder: config, root, state, the gRPC socket, both handlers' runc roots (the shim's
/// <c>options.Root</c>), the CNI config (a bridge of its own, see <see cref="WriteCniConfig"/>), and the
/// CRI streaming server (127.0.0.1, a port the kernel picks), so two test runs on one machine never meet.
/// <see cref="Dispose"/> works even after a failed test: it kills whatever is left in the pods' cgroup parent, stops
/// the shims and containerd by their pids, unmounts what containerd mounted below the temp folder, then removes it.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed partial class CriHost : IDisposable
{
    /// <summary>How long containerd may take to serve CRI calls (under a second here).</summary>
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(20);

    /// <summary>The bound of one CRI call: RunPodSandbox starts the pause container through the shim and runc.</summary>
    public static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);

    /// <remarks>A short prefix: the socket path must fit a sockaddr_un (108 bytes).</remarks>
    private readonly TempDir _dir = new("wbk");
    private readonly PodmanHost _podman = new();
    private readonly Lazy<string?> _skipReason;
    private readonly GrpcChannel _channel;
    private Process? _daemon;

    public CriHost()
    {
        // No connection yet: the channel connects to the socket on its first call.
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = UnixSocketHandler(Socket) });
        Runtime = new RuntimeService.RuntimeServiceClient(_channel);
        Images = new ImageService.ImageServiceClient(_channel);
        Wrapper = RuntimeWrapper.Write(_dir.File("wasmbox-oci"), _dir.Dir("oci-state"));
        CgroupParent = "/wasmbox-cri-" + Guid.NewGuid().ToString("N")[..8];
        _skipReason = new(Start);
    }

    /// <summary>The CRI's namespace in containerd: fixed by the CRI plugin.</summary>
    public const string Namespace = "k8s.io";

    /// <summary>The runtime handler that runs wasmbox-oci (a RuntimeClass's <c>handler</c>).</summary>
    public const string Handler = "wasmbox";

    public RuntimeService.RuntimeServiceClient Runtime { get; }

    public ImageService.ImageServiceClient Images { get; }

    /// <summary>The executable named as the wasmbox handler's <c>options.BinaryName</c>.</summary>
    public string Wrapper { get; }

    /// <summary>The pods' cgroup parent (<c>linux.cgroup_parent</c>): every container of a test pod has its cgroup below it.</summary>
    public string CgroupParent { get; }

    /// <summary>The shim's runc root for the wasmbox handler (its <c>options.Root</c>); the shim adds the namespace.</summary>
    public string WasmboxRuncRoot => _dir.File("runc-wasmbox");

    /// <summary>wasmbox-oci's own state root under containerd: <c>ROOT/k8s.io/wasmbox@oci</c>, beside runc's files.</summary>
    public string OciState => Path.Combine(WasmboxRuncRoot, Namespace, "wasmbox@oci");

    public string WasmImage => _podman.WasmImage;

    public TempDir Dir => _dir;

    public string Socket => _dir.File("containerd.sock");

    public void Require()
    {
        if (_skipReason.Value is { } why) Assert.Skip(why);
    }

    /// <summary>A deadline for one call.</summary>
    public static DateTime Deadline() => DateTime.UtcNow + CallLimit;

    /// <summary>Every live process (not containerd itself) whose command line names the temp folder: shims, runc, bwrap, workers.</summary>
    public IReadOnlyList<string> ProcessesUsingDir()
    {
        var found = new List<string>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == _daemon?.Id || pid == Environment.ProcessId) continue;
            var cmd = ProcessTree.CommandLine(pid);
            if (cmd.Contains(_dir.Path, StringComparison.Ordinal) && ProcessTree.IsAlive(pid)) found.Add($"{pid}: {cmd}");
        }
        return found;
    }

    private string? Start()
    {
        if (!OperatingSystem.IsLinux()) return "CRI tests run on Linux only";
        if (!File.Exists(ContainerdHost.Containerd) || !File.Exists(ContainerdHost.CtrPath)) return "containerd is not installed (apt-get install -y containerd; test.sh does this as root)";
        if (!File.Exists(PodmanHost.Podman)) return "the test images are built with podman, which is not installed (apt-get install -y podman)";
        if (!File.Exists("/usr/bin/runc")) return "the pod's pause container is handed to runc, which is not installed (apt-get install -y runc)";
        if (!File.Exists("/usr/bin/bwrap")) return "wasm containers run in the jail tier, which needs bubblewrap (apt-get install -y bubblewrap)";
        if (Environment.UserName != "root") return "containerd runs as root here: run the CRI tests as root";

        var cri = "plugins.\"io.containerd.grpc.v1.cri\"";
        var config = _dir.Write("config.toml", ContainerdHost.PrivateConfig(_dir, Socket) + $"""
            [{cri}]
              sandbox_image = "{_podman.PauseImage}"
              # runc cannot give the pause container oomScoreAdj -998 without CAP_SYS_RESOURCE (this CI host has none).
              restrict_oom_score_adj = true
              stream_server_address = "127.0.0.1"
              stream_server_port = "0"
            [{cri}.cni]
              # Debian's containernetworking-plugins; the one network is ours (see WriteCniConfig).
              bin_dir = "{CniBin}"
              conf_dir = "{WriteCniConfig()}"
            [{cri}.containerd]
              default_runtime_name = "runc"
            [{cri}.containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
            [{cri}.containerd.runtimes.runc.options]
              BinaryName = "/usr/bin/runc"
              Root = "{_dir.File("runc-default")}"
            [{cri}.containerd.runtimes.{Handler}]
              runtime_type = "io.containerd.runc.v2"
              pod_annotations = ["module.wasm.image/*", "run.oci.handler", "io.wasmbox.*"]
            [{cri}.containerd.runtimes.{Handler}.options]
              BinaryName = "{Wrapper}"
              Root = "{WasmboxRuncRoot}"

            """);
        _daemon = ContainerdHost.StartDaemon(config, Log);

        var version = Poll.Until(TryVersion, v => v is not null || _daemon.HasExited, StartLimit);
        if (version is null)
            throw new InvalidOperationException($"containerd's CRI did not answer on {Socket} within {StartLimit.TotalSeconds} s: {ReadLog()}");

        _podman.Require();
        foreach (var image in new[] { _podman.PauseImage, _podman.WasmImage })
        {
            var archive = _podman.SaveImage(image, _dir.File(Guid.NewGuid().ToString("N") + ".tar"));
            Exec.Ok(ContainerdHost.CtrPath, ["--address", Socket, "--namespace", Namespace, "image", "import", archive]);
            File.Delete(archive);
            // The CRI sees images in its namespace through containerd's events: wait until it does.
            var seen = Poll.Until(() => Images.ImageStatus(new ImageStatusRequest { Image = new ImageSpec { Image = image } }, deadline: Deadline()).Image,
                i => i is not null, TimeSpan.FromSeconds(10));
            Assert.True(seen is not null, $"the CRI does not see the imported image {image}");
        }
        return null;
    }

    /// <summary>Debian's CNI plugins (containernetworking-plugins), for the pods on a network of their own.</summary>
    public const string CniBin = "/usr/lib/cni";

    /// <summary>The bridge the pod network's veths hang on: made by the bridge plugin, deleted by <see cref="Dispose"/>.</summary>
    public string Bridge { get; } = "wbk" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The one pod's address on the test network (static IPAM: one pod on it at a time).</summary>
    public const string PodAddress = "10.254.77.2";

    /// <summary>Whether pods can have a network of their own here (the CNI plugins are installed).</summary>
    public static string? PodNetworkSkipReason =>
        File.Exists(Path.Combine(CniBin, "bridge")) && File.Exists(Path.Combine(CniBin, "static")) && File.Exists(Path.Combine(CniBin, "loopback"))
            ? null
            : $"a pod network needs the CNI plugins in {CniBin} (apt-get install -y containernetworking-plugins; test.sh does this as root)";

    /// <summary>
    /// The pod network: a bridge of the test's own with no uplink, no gateway and no masquerading (nothing on the host
    /// but the bridge and the pod's veth changes), and a static address, so no IPAM state is written to the host's
    /// /var/lib/cni. Host-network pods ignore it.
    /// </summary>
    private string WriteCniConfig()
    {
        var dir = _dir.Dir("cni-conf");
        File.WriteAllText(Path.Combine(dir, "10-wasmbox-test.conflist"), $$$"""
            {"cniVersion": "0.4.0", "name": "wasmbox-test", "plugins": [
              {"type": "bridge", "bridge": "{{{Bridge}}}", "isGateway": false, "ipMasq": false,
               "ipam": {"type": "static", "addresses": [{"address": "{{{PodAddress}}}/24"}]}}]}

            """);
        return dir;
    }

    private VersionResponse? TryVersion()
    {
        if (!File.Exists(Socket)) return null;
        try { return Runtime.Version(new VersionRequest { Version = "v1" }, deadline: DateTime.UtcNow.AddSeconds(5)); }
        catch (Grpc.Core.RpcException) { return null; }
    }

    /// <summary>HTTP/2 without TLS over containerd's unix socket: the address is a placeholder, every connection goes to the socket.</summary>
    private static SocketsHttpHandler UnixSocketHandler(string path) => new()
    {
        ConnectCallback = async (_, cancel) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public string Log => _dir.File("containerd.log");

    public string ReadLog()
    {
        try { return File.ReadAllText(Log); }
        catch (IOException e) { return $"(no log: {e.Message})"; }
    }

    public void Dispose()
    {
        _channel.Dispose();
        if (_daemon is { } daemon)
        {
            // What a failed test left: every process in the pods' cgroups (pause, container processes, workers), then
            // the shims (their command line names our socket), then containerd itself, all by pid.
            KillCgroupTree();
            foreach (var pid in ProcessesNaming(Socket)) Interop.Kill(pid, 9);
            if (!daemon.HasExited)
            {
                Interop.Kill(daemon.Id, 15);
                if (!daemon.WaitForExit(10_000)) daemon.Kill();
                daemon.WaitForExit(5_000);
            }
            daemon.Dispose();
            RemoveCgroupTree();
            UnmountBelow(_dir.Path);
            if (Directory.Exists($"/sys/class/net/{Bridge}"))
            {
                var ip = new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.FirstOrDefault(File.Exists);
                if (ip is not null) Exec.Run(ip, ["link", "delete", Bridge], TimeSpan.FromSeconds(10));
            }
            // What cannot be moved into the temp folder: the shims' sockets, the pods' network namespaces (/run/netns) and
            // libcni's result cache; all emptied by their owners, the folders removed when empty.
            foreach (var dir in new[] { "/run/containerd/s", "/run/containerd/fifo", "/run/containerd", "/run/netns", "/var/lib/cni/results", "/var/lib/cni" })
            {
                try { if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir); }
                catch (IOException) { }
            }
        }
        _podman.Dispose();
        _dir.Dispose();
    }

    private void KillCgroupTree()
    {
        for (var round = 0; round < 3; round++)
        {
            var any = false;
            foreach (var dir in CgroupView.Tree(CgroupParent.TrimStart('/')))
            {
                string[] pids;
                try { pids = File.ReadAllLines(Path.Combine(dir, "cgroup.procs")); }
                catch (IOException) { continue; }
                foreach (var p in pids)
                {
                    if (int.TryParse(p, out var pid)) { Interop.Kill(pid, 9); any = true; }
                }
            }
            if (!any) return;
            Thread.Sleep(200);
        }
    }

    private void RemoveCgroupTree()
    {
        foreach (var dir in CgroupView.Tree(CgroupParent.TrimStart('/')).OrderByDescending(d => d.Length))
        {
            try { Directory.Delete(dir); }
            catch (IOException) { }
        }
    }

    private static List<int> ProcessesNaming(string text)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && pid != Environment.ProcessId &&
                ProcessTree.CommandLine(pid).Contains(text, StringComparison.Ordinal))
                found.Add(pid);
        }
        return found;
    }

    /// <summary>Mount points below <paramref name="root"/> in this process's mount table (<c>/proc/self/mountinfo</c>), deepest first.</summary>
    public static List<string> MountsBelow(string root)
    {
        var prefix = root.TrimEnd('/') + "/";
        return File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => Unescape(l.Split(' ')[4]))
            .Where(m => m.StartsWith(prefix, StringComparison.Ordinal))
            .Distinct()
            .OrderByDescending(m => m.Length)
            .ToList();
    }

    /// <summary>Detaches every mount below <paramref name="root"/>: the rootfs overlays and shm mounts containerd left after a failure.</summary>
    private static void UnmountBelow(string root)
    {
        for (var round = 0; round < 3; round++)
        {
            var mounts = MountsBelow(root);
            if (mounts.Count == 0) return;
            foreach (var m in mounts) Interop.Umount2(m, MNT_DETACH);
        }
    }

    /// <summary>mountinfo writes space, tab, newline and backslash as <c>\ooo</c>.</summary>
    private static string Unescape(string field) =>
        System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());

    private const int MNT_DETACH = 2;

    private static partial class Interop
    {
        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
        public static partial int Kill(int pid, int signal);

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "umount2", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
        public static partial int Umount2(string target, int flags);
    }
}
