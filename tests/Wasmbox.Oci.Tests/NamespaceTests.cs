using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Wasmbox.Oci.Tests;

/// <summary>
/// <c>linux.namespaces</c> given by path, as the CRI gives a pod's containers the pause container's: the network one is
/// joined (the guest's sockets, opened by the sandbox's network broker in the container process, are opened in it),
/// the others are logged as ignored, and a bad path is refused by <c>create</c> with one line and no state.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class NamespaceTests
{
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(30);

    /// <remarks>
    /// Both worker tiers: the jail's worker has a network namespace of its own (loopback only) and gets its sockets from
    /// the broker in the container process; the process tier's worker is the container process's child and inherits
    /// the joined namespace.
    /// </remarks>
    [Theory]
    [InlineData("jail")]
    [InlineData("process")]
    public void Create_NetworkNamespacePath_TheGuestConnectsInsideItAndNotOnTheHost(string isolation)
    {
        if (isolation == "jail") Jail.Require();
        using var netns = NetNamespace.Start();
        // The same address and port twice: on the host's loopback and on the namespace's own.
        using var host = new TcpEchoServer(IPAddress.Loopback);
        using var inside = netns.Run(() => new TcpEchoServer(IPAddress.Loopback, host.Port, sink: false));
        using var bundle = NetBundle(host.Port, "hello-from-the-pod").Annotate("io.wasmbox.isolation", isolation);
        AddNamespace(bundle, "network", netns.Path("net"));
        AddNamespace(bundle, "uts", netns.Path("uts"));
        using var oci = new OciRuntime();

        var pid = oci.Create(bundle.Save(), "netns");
        // The container process itself is in the namespace (the broker runs in it), before the guest has started.
        Assert.Equal(NetNamespace.Link(netns.Pid), NetNamespace.Link(pid));
        oci.Ok("start", "netns");
        Assert.Equal(0, OciRuntime.WaitExit(pid, ExitLimit));

        var output = oci.GuestStdout("netns").Split('\n');
        Assert.Contains("connect=0", output);
        Assert.Contains("recv=hello-from-the-pod", output);
        Assert.Equal(1, inside.Accepted);
        Assert.Equal(0, host.Accepted);
        var log = oci.LogLines().Select(l => (Level: l.GetProperty("level").GetString(), Msg: l.GetProperty("msg").GetString()!)).ToList();
        Assert.Contains(log, l => l.Level == "info" && l.Msg.StartsWith($"linux.namespaces: the network namespace {netns.Path("net")} is joined", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Level == "warning" && l.Msg == $"linux.namespaces: the uts namespace {netns.Path("uts")} is not joined: WASI preview1 has no host or domain name (HOSTNAME reaches the guest through process.env only)");
        oci.Ok("delete", "netns");
    }

    [Fact]
    public void Create_NetworkNamespacePath_TheListenerIsOpenedInsideIt()
    {
        Jail.Require();
        using var netns = NetNamespace.Start();
        var port = FreeHostPort();
        // echo_server.wat accepts on fd 3, the first preopen when nothing is granted; in a container the rootfs is fd 3
        // and the first listener fd 4.
        using var bundle = new TestBundle("/echo_server.wat").Annotate("run.oci.handler", "wasm").Annotate("io.wasmbox.listen", $"127.0.0.1:{port}");
        File.WriteAllText(Path.Combine(bundle.Rootfs, "echo_server.wat"),
            File.ReadAllText(Guests.Wat("echo_server")).Replace("(call $accept (i32.const 3)", "(call $accept (i32.const 4)", StringComparison.Ordinal));
        AddNamespace(bundle, "network", netns.Path("net"));
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "listener");
        oci.Ok("start", "listener");

        // A client made inside the namespace reaches the guest; the host's 127.0.0.1 has nothing on that port.
        var echoed = netns.Run(() =>
        {
            using var client = Poll.Until(() => TryConnect(port), c => c is not null, ExitLimit) ?? throw new TimeoutException($"nothing listens on 127.0.0.1:{port} in the namespace");
            client.Send("ping"u8);
            var buffer = new byte[16];
            return System.Text.Encoding.ASCII.GetString(buffer, 0, client.Receive(buffer));
        });
        Assert.Equal("ping", echoed);
        Assert.Null(TryConnect(port));
        Assert.Equal(4, OciRuntime.WaitExit(pid, ExitLimit));
        oci.Ok("delete", "listener");
    }

    [Fact]
    public void Create_NetworkNamespaceWithoutPath_ANewOneWithLoopbackAndNothingOfTheHosts()
    {
        // podman --network none and ctr's default: {"type": "network"} without a path asks for a new namespace.
        Jail.Require();
        if (Environment.UserName != "root") Assert.Skip("a new network namespace needs root (CAP_SYS_ADMIN)");
        using var host = new TcpEchoServer(IPAddress.Loopback);
        using var bundle = NetBundle(host.Port, "hello");
        AddNamespace(bundle, "network", "");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "newnet");
        Assert.NotEqual(NetNamespace.Link(Environment.ProcessId), NetNamespace.Link(pid));
        // Only loopback (and it is up: the refused connect below would be ENETUNREACH on a loopback that is down).
        Assert.Equal(["lo"], NetDevices(pid));
        oci.Ok("start", "newnet");
        Assert.Equal(1, OciRuntime.WaitExit(pid, ExitLimit));
        // The guest's connect, allowed by policy, is refused inside the new namespace (WASI ECONNREFUSED, 14) and never
        // reached the host's server on the same address and port.
        Assert.Contains("connect=14", oci.GuestStdout("newnet").Split('\n'));
        Assert.Equal(0, host.Accepted);
        Assert.Contains(oci.LogLines(), l => l.GetProperty("msg").GetString()!.StartsWith("linux.namespaces: network: the container process starts in a new network namespace", StringComparison.Ordinal));
        oci.Ok("delete", "newnet");
    }

    /// <summary>The network devices of <paramref name="pid"/>'s namespace (/proc/PID/net/dev).</summary>
    private static string[] NetDevices(int pid) =>
        File.ReadAllLines($"/proc/{pid}/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim()).ToArray();

    [Fact]
    public void Create_NoNamespacePath_TheGuestConnectsOnTheHost()
    {
        // The control for the test above: the same guest without the path reaches the host's server.
        Jail.Require();
        using var host = new TcpEchoServer(IPAddress.Loopback);
        using var bundle = NetBundle(host.Port, "hello-from-the-host");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "hostnet");
        oci.Ok("start", "hostnet");
        Assert.Equal(0, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Contains("recv=hello-from-the-host", oci.GuestStdout("hostnet").Split('\n'));
        Assert.Equal(1, host.Accepted);
        oci.Ok("delete", "hostnet");
    }

    [Theory]
    [InlineData("network", "/proc/2147483646/ns/net", "config.json linux.namespaces: the network namespace path /proc/2147483646/ns/net does not exist (has the pod's sandbox process exited?)")]
    [InlineData("network", "/proc/self/ns/uts", "config.json linux.namespaces: the network namespace path /proc/self/ns/uts is a uts namespace, not a network one; give the network namespace's file (/proc/PID/ns/net)")]
    [InlineData("network", "/proc/version", "config.json linux.namespaces: the network namespace path /proc/version is not a namespace file (ioctl NS_GET_NSTYPE:")]
    [InlineData("network", "proc/1/ns/net", "config.json linux.namespaces: the network namespace path proc/1/ns/net is not absolute")]
    [InlineData("pid", "/proc/self/ns/net", "config.json linux.namespaces: the pid namespace path /proc/self/ns/net is a network namespace, not a pid one")]
    [InlineData("ipc", "/proc/2147483646/ns/ipc", "config.json linux.namespaces: the ipc namespace path /proc/2147483646/ns/ipc does not exist")]
    [InlineData("bogus", "/proc/self/ns/net", "config.json linux.namespaces: unknown namespace type 'bogus' (for /proc/self/ns/net)")]
    public void Create_BadNamespacePath_RefusedWithOneLineAndNoState(string type, string path, string message)
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        AddNamespace(bundle, type, path);
        using var oci = new OciRuntime();
        var r = oci.Run(["create", "--bundle", bundle.Save(), "--pid-file", oci.File("p.pid"), "badns"]);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("wasmbox: " + message, r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(message, oci.LogLines()[^1].GetProperty("msg").GetString());
        Assert.False(File.Exists(oci.File("p.pid")));
        Assert.False(Directory.Exists(Path.Combine(oci.Root, "wasmbox@oci", "containers", "badns")));
    }

    [Fact]
    public void Create_BadAllowNetAnnotation_RefusedWithThePolicyFilesMessage()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello").Annotate("io.wasmbox.allow-net", "127.0.0.1:80, nonsense");
        using var oci = new OciRuntime();
        var r = oci.Run(["create", "--bundle", bundle.Save(), "badnet"]);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("wasmbox: annotation io.wasmbox.allow-net: allow-net[1] 'nonsense': no HOST:PORTS; write [connect|bind:]HOST:PORTS", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(oci.Root, "wasmbox@oci", "containers", "badnet")));
    }

    private static int FreeHostPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>A connected socket to 127.0.0.1:PORT in the calling thread's network namespace, or null when refused.</summary>
    private static System.Net.Sockets.Socket? TryConnect(int port)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            return socket;
        }
        catch (System.Net.Sockets.SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>net.wasm echoing MSG through 127.0.0.1:PORT, allowed by the io.wasmbox.allow-net annotation.</summary>
    private static TestBundle NetBundle(int port, string message)
    {
        var p = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new TestBundle("/net.wasm", "echo", "tcp", "127.0.0.1", p, message).WithGuest("net")
            .Annotate("io.wasmbox.allow-net", $"127.0.0.1:{p}");
    }

    /// <summary>Adds a linux.namespaces entry; an empty <paramref name="path"/> writes none (a new namespace).</summary>
    private static void AddNamespace(TestBundle bundle, string type, string path)
    {
        var linux = bundle.Config["linux"] as JsonObject ?? [];
        bundle.Config["linux"] = linux;
        var list = linux["namespaces"] as JsonArray ?? [];
        linux["namespaces"] = list;
        list.Add(path.Length == 0 ? new JsonObject { ["type"] = type } : new JsonObject { ["type"] = type, ["path"] = path });
    }

    /// <summary>
    /// A fresh network namespace held by a process of its own (<c>unshare -n</c>, loopback brought up, then sleep), as a
    /// pod's pause container holds one; killed on dispose.
    /// </summary>
    private sealed partial class NetNamespace : IDisposable
    {
        private readonly Process _holder;

        private NetNamespace(Process holder) => _holder = holder;

        public int Pid => _holder.Id;

        public string Path(string ns) => $"/proc/{Pid}/ns/{ns}";

        public static NetNamespace Start()
        {
            if (Environment.UserName != "root") Assert.Skip("a network namespace of the test's own needs root (unshare -n)");
            var ip = new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.FirstOrDefault(File.Exists);
            if (!File.Exists("/usr/bin/unshare") || ip is null) Assert.Skip("unshare and ip are needed to make a network namespace (apt-get install -y util-linux iproute2)");
            var start = new ProcessStartInfo("/usr/bin/unshare") { UseShellExecute = false, RedirectStandardOutput = true };
            foreach (var a in new[] { "--net", "--uts", "/bin/sh", "-c", $"'{ip}' link set lo up && echo ready && exec sleep 600" }) start.ArgumentList.Add(a);
            var holder = Process.Start(start)!;
            var ready = holder.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask();
            if (!ready.Wait(TimeSpan.FromSeconds(10)) || ready.Result != "ready")
            {
                try { holder.Kill(); } catch (InvalidOperationException) { }
                throw new InvalidOperationException("unshare --net did not make a namespace with loopback up within 10 s");
            }
            return new NetNamespace(holder);
        }

        /// <summary>Runs <paramref name="make"/> on a thread of its own that has joined the namespace: sockets it makes are made in it.</summary>
        public T Run<T>(Func<T> make)
        {
            T? result = default;
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    using var ns = File.OpenHandle(Path("net"));
                    if (setns((int)ns.DangerousGetHandle(), CLONE_NEWNET) != 0)
                        throw new InvalidOperationException($"setns: errno {Marshal.GetLastPInvokeError()}");
                    result = make();
                }
                catch (Exception e) { failure = e; }
            });
            thread.Start();
            thread.Join();
            if (failure is not null) throw new InvalidOperationException("cannot make the server inside the namespace", failure);
            return result!;
        }

        /// <summary>A process's network namespace, as <c>net:[INODE]</c>.</summary>
        public static string? Link(int pid) => new FileInfo($"/proc/{pid}/ns/net").LinkTarget;

        public void Dispose()
        {
            try { _holder.Kill(); } catch (InvalidOperationException) { }
            _holder.WaitForExit(5000);
            _holder.Dispose();
        }

        private const int CLONE_NEWNET = 0x40000000;

        [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
        private static partial int setns(int fd, int nstype);
    }
}
