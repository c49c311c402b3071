using System.Text.RegularExpressions;
using Wasmbox.Oci.Tests.Cri.V1;
using Wasmbox.Oci.Tests.Engines;

namespace Wasmbox.Oci.Tests;

/// <summary>
/// Kubernetes' path: containerd's CRI plugin driven as the kubelet drives it, over gRPC (<see cref="CriHost"/>), with a
/// pod on the <c>wasmbox</c> runtime handler. The pod's pause container comes through wasmbox-oci and is handed to runc;
/// the wasm containers run in Wasmbox's sandbox, write to the CRI log files, and report their exit codes; stopping and
/// removing the pod leaves nothing. Skips, saying why, without containerd, podman, runc, bubblewrap or root.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class CriTests : IClassFixture<CriTests.Host>
{
    /// <summary>The class's containerd: started on first use, stopped by its pid at the end.</summary>
    public sealed class Host : IDisposable
    {
        internal CriHost Cri { get; } = new();

        public void Dispose() => Cri.Dispose();
    }

    /// <summary>How long one container may take from StartContainer to its exit (about a second here).</summary>
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(30);

    private readonly CriHost _cri;

    public CriTests(Host host)
    {
        _cri = host.Cri;
        _cri.Require();
    }

    [Fact]
    public void Pod_WasmboxHandler_PauseToRuncWasmContainersRunAndTheirLogsExitCodesAndTeardownAreKubernetes()
    {
        var runtime = _cri.Runtime;
        var logs = _cri.Dir.Dir("pod-logs-" + Guid.NewGuid().ToString("N")[..8]);
        var pod = PodConfig(logs);
        var podId = runtime.RunPodSandbox(new RunPodSandboxRequest { Config = pod, RuntimeHandler = CriHost.Handler }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken).PodSandboxId;
        var removed = false;
        try
        {
            var status = runtime.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = podId }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken).Status;
            Assert.Equal(PodSandboxState.SandboxReady, status.State);
            Assert.Equal(CriHost.Handler, status.RuntimeHandler);
            // The pause container came through wasmbox-oci (the handler's runc) and was handed to runc, whose state root is ours.
            Assert.True(Directory.Exists(Path.Combine(_cri.OciState, "runc", podId)), $"the pause container {podId} is not in wasmbox-oci's runc root {_cri.OciState}/runc");

            // 1. argv, the environment (the pod spec's and the image's ENV), output in the CRI log, exit 0.
            var args = RunToExit(podId, pod, Container("args", "/args_env.wasm", ["one", "two words"], env: [("GREETING", "from-cri")]));
            Assert.True(args.ExitCode == 0 && args.Reason == "Completed", Describe(args));
            var argsLog = LogLines(args, logs);
            Assert.Contains(("stdout", "argv[0]=/args_env.wasm"), argsLog);
            Assert.Contains(("stdout", "argv[1]=one"), argsLog);
            Assert.Contains(("stdout", "argv[2]=two words"), argsLog);
            Assert.Contains(("stdout", "env:GREETING=from-cri"), argsLog);
            Assert.Contains(("stdout", "env:FROM_IMAGE=image-env"), argsLog);
            Assert.DoesNotContain(argsLog, l => l.Text.Contains("DOTNET", StringComparison.Ordinal));

            // 2. A nonzero exit code reaches the kubelet as the container's, with reason Error.
            var exit = RunToExit(podId, pod, Container("exit", "/exit_code.wasm", ["3"]));
            Assert.True(exit.ExitCode == 3 && exit.Reason == "Error", Describe(exit));

            // 3. The pod spec's memory limit is the guest's: it stops allocating below 32 MiB.
            var hog = RunToExit(podId, pod, Container("memhog", "/memhog.wasm", ["256"], memory: 32L << 20));
            Assert.True(hog.ExitCode == 0, Describe(hog));
            var allocated = LogLines(hog, logs).Single(l => l.Text.StartsWith("allocated ", StringComparison.Ordinal)).Text;
            Assert.InRange(int.Parse(allocated.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), 1, 31);

            // 4. A guest still running when the pod is stopped: StopPodSandbox kills it, and everything goes.
            var spin = runtime.CreateContainer(new CreateContainerRequest { PodSandboxId = podId, Config = Container("spin", "/spin.wasm", []), SandboxConfig = pod }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken).ContainerId;
            runtime.StartContainer(new StartContainerRequest { ContainerId = spin }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken);
            var spinStatus = Status(spin);
            Poll.Until(() => File.Exists(spinStatus.LogPath) ? File.ReadAllText(spinStatus.LogPath) : "", s => s.Contains("spinning", StringComparison.Ordinal), ExitLimit);
            Assert.Equal(ContainerState.ContainerRunning, Status(spin).State);
            Assert.True(Directory.Exists(Path.Combine(_cri.OciState, "containers", spin)), "the running wasm container has no wasmbox-oci state");

            StopPod(podId);
            Assert.Equal(ContainerState.ContainerExited, Status(spin).State);
            RemovePod(podId);
            removed = true;

            AssertNothingLeft(podId);
        }
        finally
        {
            if (!removed) RemovePodAfterFailure(podId);
        }
    }

    [Fact]
    public void Pod_PodNetwork_TheWasmContainerListensInThePodsNetworkNamespace()
    {
        if (CriHost.PodNetworkSkipReason is { } why) Assert.Skip(why);
        var runtime = _cri.Runtime;
        var logs = _cri.Dir.Dir("pod-logs-" + Guid.NewGuid().ToString("N")[..8]);
        var pod = PodConfig(logs, NamespaceMode.Pod);
        // The wasm annotations are the pod's (pod_annotations copies io.wasmbox.* onto its containers' config.json).
        pod.Annotations["io.wasmbox.allow-net"] = "bind:127.0.0.1:*";
        var podId = runtime.RunPodSandbox(new RunPodSandboxRequest { Config = pod, RuntimeHandler = CriHost.Handler }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken).PodSandboxId;
        var removed = false;
        try
        {
            var pause = Pid(runtime.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = podId, Verbose = true }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken).Info);
            var podNet = NetLink(pause);
            Assert.NotEqual(NetLink(Environment.ProcessId), podNet);

            // net.wasm binds 127.0.0.1 port 0 through the broker, prints the port, echoes one connection and exits.
            var config = Container("serve", "/net.wasm", ["serve", "127.0.0.1", "0"], network: NamespaceMode.Pod);
            var id = runtime.CreateContainer(new CreateContainerRequest { PodSandboxId = podId, Config = config, SandboxConfig = pod }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken).ContainerId;
            runtime.StartContainer(new StartContainerRequest { ContainerId = id }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken);
            var logPath = Status(id).LogPath;
            var listening = Poll.Until(() => File.Exists(logPath) ? File.ReadAllLines(logPath).Select(l => CriLogLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[4].Value).FirstOrDefault(t => t.StartsWith("listening ", StringComparison.Ordinal)) : null,
                l => l is not null, ExitLimit);
            Assert.True(listening is not null, $"the guest never listened: {Describe(Status(id))}");
            var port = int.Parse(listening["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture);

            // The container process (the broker's home) is in the pod's namespace, which the CRI gave it by path.
            var container = Pid(runtime.ContainerStatus(new ContainerStatusRequest { ContainerId = id, Verbose = true }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken).Info);
            Assert.Equal(podNet, NetLink(container));
            // Reachable on the pod's 127.0.0.1, not on the node's.
            Assert.Equal("ping", InNetworkOf(pause, () => Echo(port, "ping")));
            Assert.Null(TryConnect(port));
            var served = Poll.Until(() => Status(id), st => st.State == ContainerState.ContainerExited, ExitLimit);
            Assert.True(served.ExitCode == 0, Describe(served));
            Assert.Contains(("stdout", "served"), LogLines(served, logs));

            StopPod(podId);
            RemovePod(podId);
            removed = true;
            AssertNothingLeft(podId);
        }
        finally
        {
            if (!removed) RemovePodAfterFailure(podId);
        }
    }

    private void StopPod(string podId) =>
        _cri.Runtime.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = podId }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken);

    private void RemovePod(string podId) =>
        _cri.Runtime.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = podId }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>For a test that failed before its own teardown: the pod stopped and removed if the CRI still can (what it
    /// cannot, the host's Dispose removes).</summary>
    private void RemovePodAfterFailure(string podId)
    {
        try
        {
            StopPod(podId);
            RemovePod(podId);
        }
        catch (Grpc.Core.RpcException) { }
    }

    /// <summary>The pid in a verbose status's <c>info</c> (containerd writes it as JSON under the key "info").</summary>
    private static int Pid(Google.Protobuf.Collections.MapField<string, string> info)
    {
        Assert.True(info.TryGetValue("info", out var json), "no verbose info in the status");
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("pid").GetInt32();
    }

    private static string? NetLink(int pid) => new FileInfo($"/proc/{pid}/ns/net").LinkTarget;

    /// <summary>Runs <paramref name="work"/> on a thread of its own inside <paramref name="pid"/>'s network namespace.</summary>
    private static T InNetworkOf<T>(int pid, Func<T> work)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/proc/{pid}/ns/net");
                if (Setns((int)ns.DangerousGetHandle(), 0x40000000) != 0) throw new InvalidOperationException($"setns: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
                result = work();
            }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException($"in the network namespace of {pid}: {failure.Message}", failure);
        return result!;
    }

    private static string Echo(int port, string text)
    {
        using var client = TryConnect(port) ?? throw new InvalidOperationException($"nothing listens on 127.0.0.1:{port}");
        client.Send(System.Text.Encoding.ASCII.GetBytes(text));
        client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        var buffer = new byte[64];
        var total = 0;
        int n;
        while ((n = client.Receive(buffer, total, buffer.Length - total, System.Net.Sockets.SocketFlags.None)) > 0) total += n;
        return System.Text.Encoding.ASCII.GetString(buffer, 0, total);
    }

    private static System.Net.Sockets.Socket? TryConnect(int port)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            socket.Connect(System.Net.IPAddress.Loopback, port);
            socket.ReceiveTimeout = 10_000;
            return socket;
        }
        catch (System.Net.Sockets.SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int Setns(int fd, int nstype);

    private void AssertNothingLeft(string podId)
    {
        Assert.Empty(_cri.Runtime.ListContainers(new ListContainersRequest { Filter = new ContainerFilter { PodSandboxId = podId } }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken).Containers);
        // No shim, runc, container process, bwrap or worker: each names the temp folder (socket, bundle or rootfs).
        var left = Poll.Until(_cri.ProcessesUsingDir, l => l.Count == 0, TimeSpan.FromSeconds(10));
        Assert.True(left.Count == 0, $"processes left behind:\n{string.Join('\n', left)}");
        // Every container's cgroup (the pause's, made by runc; each wasm container's with its worker's inside, made by
        // wasmbox-oci) is gone; the pod's parent stays, as the kubelet owns it.
        var cgroups = CgroupView.Tree(_cri.CgroupParent.TrimStart('/')).Where(d => !d.EndsWith(_cri.CgroupParent, StringComparison.Ordinal)).ToList();
        Assert.True(cgroups.Count == 0, $"cgroups left behind: {string.Join(", ", cgroups)}");
        var containers = Path.Combine(_cri.OciState, "containers");
        Assert.True(!Directory.Exists(containers) || !Directory.EnumerateFileSystemEntries(containers).Any(), $"wasmbox-oci state left in {containers}");
        Assert.False(Directory.Exists(Path.Combine(_cri.OciState, "runc", podId)), "runc's state of the pause container was left behind");
        var mounts = CriHost.MountsBelow(_cri.Dir.Path).Where(m => m.Contains(podId, StringComparison.Ordinal)).ToList();
        Assert.True(mounts.Count == 0, $"mounts left behind: {string.Join(", ", mounts)}");
    }

    /// <summary>A pod on the host's network (no CNI) or its own, its containers' cgroups under the host's parent; the wasm annotation on the pod, as crun's docs put it.</summary>
    private PodSandboxConfig PodConfig(string logDirectory, NamespaceMode network = NamespaceMode.Node)
    {
        var pod = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = "wasm-pod", Uid = Guid.NewGuid().ToString(), Namespace = "default" },
            LogDirectory = logDirectory,
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = _cri.CgroupParent,
                SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { Network = network } },
            },
        };
        // pod_annotations copies it onto the sandbox too: wasmbox-oci must still hand the pause container to runc.
        pod.Annotations["module.wasm.image/variant"] = "compat";
        return pod;
    }

    private ContainerConfig Container(string name, string module, string[] args, (string Key, string Value)[]? env = null, long memory = 0, NamespaceMode network = NamespaceMode.Node)
    {
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = name },
            Image = new ImageSpec { Image = _cri.WasmImage },
            LogPath = $"{name}/0.log",
            Linux = new LinuxContainerConfig
            {
                Resources = new LinuxContainerResources { MemoryLimitInBytes = memory, CpuPeriod = 100_000, CpuQuota = 50_000 },
                SecurityContext = new LinuxContainerSecurityContext { NamespaceOptions = new NamespaceOption { Network = network } },
            },
        };
        config.Command.Add(module);
        config.Args.AddRange(args);
        foreach (var (key, value) in env ?? []) config.Envs.Add(new KeyValue { Key = key, Value = value });
        return config;
    }

    /// <summary>CreateContainer, StartContainer, then ContainerStatus until it has exited (bounded).</summary>
    private ContainerStatus RunToExit(string podId, PodSandboxConfig pod, ContainerConfig config)
    {
        var runtime = _cri.Runtime;
        var id = runtime.CreateContainer(new CreateContainerRequest { PodSandboxId = podId, Config = config, SandboxConfig = pod }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken).ContainerId;
        runtime.StartContainer(new StartContainerRequest { ContainerId = id }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken);
        var status = Poll.Until(() => Status(id), s => s.State == ContainerState.ContainerExited, ExitLimit);
        Assert.True(status.State == ContainerState.ContainerExited, $"container {config.Metadata.Name} did not exit within {ExitLimit.TotalSeconds} s: {Describe(status)}");
        return status;
    }

    private ContainerStatus Status(string id) =>
        _cri.Runtime.ContainerStatus(new ContainerStatusRequest { ContainerId = id }, deadline: CriHost.Deadline(), cancellationToken: TestContext.Current.CancellationToken).Status;

    private string Describe(ContainerStatus s) =>
        $"{s.Metadata?.Name}: {s.State}, exit {s.ExitCode}, reason '{s.Reason}', message '{s.Message}', log:\n{(File.Exists(s.LogPath) ? File.ReadAllText(s.LogPath) : "(none)")}\ncontainerd's log tail:\n{Tail(_cri.ReadLog(), 4000)}";

    private static string Tail(string text, int chars) => text.Length <= chars ? text : text[^chars..];

    /// <summary>
    /// The CRI log file's lines as (stream, text), checked against the kubelet's format:
    /// <c>RFC3339NANO-TIMESTAMP STREAM F|P TEXT</c>, where F ends a line and P is part of a longer one.
    /// </summary>
    private static List<(string Stream, string Text)> LogLines(ContainerStatus status, string logDirectory)
    {
        Assert.StartsWith(logDirectory + "/", status.LogPath);
        var lines = File.ReadAllLines(status.LogPath);
        Assert.NotEmpty(lines);
        var result = new List<(string, string)>();
        foreach (var line in lines)
        {
            var m = CriLogLine().Match(line);
            Assert.True(m.Success, $"not a CRI log line: '{line}'");
            Assert.True(DateTimeOffset.TryParse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out _), $"bad timestamp in '{line}'");
            result.Add((m.Groups[2].Value, m.Groups[4].Value));
        }
        return result;
    }

    [GeneratedRegex(@"^(\S+) (stdout|stderr) (F|P) (.*)$")]
    private static partial Regex CriLogLine();
}
