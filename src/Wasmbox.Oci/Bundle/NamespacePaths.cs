using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Bundle;

/// <summary>
/// <c>linux.namespaces</c> entries given by path. Under the CRI every container of a pod gets the pause container's
/// (<c>/proc/PID/ns/net</c>, <c>ipc</c>, <c>uts</c>, <c>pid</c>), and a pod network's namespace may be a file bound
/// under <c>/var/run/netns</c>. What each means for a wasm container:
/// <list type="bullet">
/// <item><c>network</c>: joined. The container process is started inside it (see <see cref="Container.ContainerSpawner"/>),
/// so what the sandbox opens on the network for the guest — the jail's network broker's sockets, its name-lookup
/// queries and the <c>io.wasmbox.listen</c> listeners, all made by the container process — is opened there. The
/// jail's worker keeps a namespace of its own (bubblewrap's <c>--unshare-all</c>: loopback only) and gets its sockets
/// from the broker; the process tier's worker inherits the container process's, the joined one.</item>
/// <item>every other type: not joined, logged as ignored with the reason (<see cref="Ignored"/>): a WASI guest cannot
/// observe them.</item>
/// </list>
/// A <c>network</c> entry without a path means a new namespace (podman <c>--network none</c>, ctr's default): the
/// container process starts in one of its own with only loopback up, as runc's container would (see
/// <see cref="ContainerNetwork"/>). No <c>network</c> entry at all (podman <c>--network host</c>, a host-network pod)
/// means the caller's, the host's.
/// Every path is checked all the same, before <c>create</c> leaves anything behind: it must exist and be a namespace
/// of the type it is listed as (<c>ioctl(NS_GET_NSTYPE)</c>), or <c>create</c> refuses with one line.
/// </summary>
internal static partial class NamespacePaths
{
    public const string Network = "network";

    /// <summary>The runtime-spec's namespace types and their <c>CLONE_NEW*</c> flags (what <c>NS_GET_NSTYPE</c> returns).</summary>
    private static readonly Dictionary<string, int> CloneFlags = new(StringComparer.Ordinal)
    {
        [Network] = 0x40000000,
        ["pid"] = 0x20000000,
        ["ipc"] = 0x08000000,
        ["uts"] = 0x04000000,
        ["mount"] = 0x00020000,
        ["cgroup"] = 0x02000000,
        ["user"] = 0x10000000,
        ["time"] = 0x00000080,
    };

    /// <summary>Why a namespace of each other type, given by path, is not joined: what a WASI guest could have seen of it.</summary>
    private static readonly Dictionary<string, string> Ignored = new(StringComparer.Ordinal)
    {
        ["pid"] = "WASI preview1 has no processes, so the guest sees no pids and signals nothing",
        ["ipc"] = "WASI preview1 has no System V IPC, POSIX message queues or shared memory",
        ["uts"] = "WASI preview1 has no host or domain name (HOSTNAME reaches the guest through process.env only)",
        ["mount"] = "the guest's files are its grants (the rootfs and the bind mounts), not a mount namespace",
        ["cgroup"] = "the guest cannot read cgroups; the container's cgroup is linux.cgroupsPath",
        ["user"] = "the worker runs unprivileged in a user namespace of its own; WASI preview1 has no users",
        ["time"] = "the guest reads the host's clocks (or fixed ones with io.wasmbox.deterministic)",
    };

    /// <summary>What happens to each <c>linux.namespaces</c> entry, for the log (see <see cref="ConfigAudit"/>).</summary>
    public static IEnumerable<ConfigNote> Notes(OciConfig config)
    {
        foreach (var ns in config.Linux?.Namespaces ?? [])
        {
            if (ns.Path is not { Length: > 0 } path)
                yield return new ConfigNote(NoteLevel.Covered, ns.Type == Network
                    ? "linux.namespaces: network: the container process starts in a new network namespace with only loopback, as runc makes one, so the guest's allowed sockets reach nothing beyond it"
                    : $"linux.namespaces: {ns.Type}: the worker always has a new one");
            else if (ns.Type == Network)
                yield return new ConfigNote(NoteLevel.Covered, $"linux.namespaces: the network namespace {path} is joined: the sockets the sandbox opens for the guest (its network broker, its listeners) are opened in it");
            else
                yield return new ConfigNote(NoteLevel.Ignored, $"linux.namespaces: the {ns.Type} namespace {path} is not joined: {(ns.Type is { } t && Ignored.TryGetValue(t, out var why) ? why : "a wasm guest cannot observe it")}");
        }
    }

    /// <summary>
    /// Checks every namespace given by path and opens the network one, if any; throws <see cref="OciException"/> naming
    /// the first bad entry. The caller owns the returned handle (null: no network namespace path).
    /// </summary>
    public static SafeFileHandle? OpenNetwork(OciConfig config)
    {
        SafeFileHandle? network = null;
        try
        {
            foreach (var ns in config.Linux?.Namespaces ?? [])
            {
                if (ns.Path is not { Length: > 0 } path) continue;
                var handle = Open(ns.Type, path);
                if (ns.Type == Network && network is null) network = handle;
                else handle.Dispose();
            }
            return network;
        }
        catch
        {
            network?.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="path"/> and checks that it is a namespace of <paramref name="type"/>.</summary>
    private static SafeFileHandle Open(string? type, string path)
    {
        var what = $"config.json linux.namespaces: the {type} namespace path {path}";
        if (type is null || !CloneFlags.TryGetValue(type, out var flag))
            throw new OciException($"config.json linux.namespaces: unknown namespace type '{type}' (for {path}); write network, pid, ipc, uts, mount, cgroup, user or time");
        if (!Path.IsPathFullyQualified(path))
            throw new OciException($"{what} is not absolute; give the namespace file's full path (/proc/PID/ns/..., /var/run/netns/NAME)");
        var fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new OciException(errno == ENOENT
                ? $"{what} does not exist (has the pod's sandbox process exited?)"
                : $"{what} cannot be opened (open: {Marshal.GetPInvokeErrorMessage(errno)})");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var actual = ioctl(fd, NS_GET_NSTYPE, 0);
        if (actual < 0)
        {
            handle.Dispose();
            throw new OciException($"{what} is not a namespace file (ioctl NS_GET_NSTYPE: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}); give /proc/PID/ns/{ShortName(type)} or a bind mount of one");
        }
        if (actual != flag)
        {
            handle.Dispose();
            var name = CloneFlags.FirstOrDefault(kv => kv.Value == actual).Key ?? $"0x{actual:x}";
            throw new OciException($"{what} is a {name} namespace, not a {type} one; give the {type} namespace's file (/proc/PID/ns/{ShortName(type)})");
        }
        return handle;
    }

    /// <summary>Moves the calling thread (only) into the network namespace <paramref name="network"/>; threads and processes it starts afterwards are in it too.</summary>
    public static void JoinOnThisThread(SafeFileHandle network)
    {
        if (setns((int)network.DangerousGetHandle(), CloneFlags[Network]) != 0)
            throw new OciException($"cannot join the container's network namespace (setns: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}); wasmbox-oci needs CAP_SYS_ADMIN for it");
    }

    /// <summary>
    /// Moves the calling thread (only) into a new network namespace and brings its loopback up, as runc does for a
    /// <c>network</c> entry without a path (podman <c>--network none</c>, ctr without <c>--net-host</c>).
    /// </summary>
    public static unsafe void NewOnThisThread()
    {
        if (unshare(CloneFlags[Network]) != 0)
            throw new OciException($"cannot make the container's network namespace (unshare: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}); wasmbox-oci needs CAP_SYS_ADMIN for it");
        // A socket made now is in the new namespace; SIOCSIFFLAGS on it brings that namespace's lo up.
        var fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new OciException($"cannot bring up the container's loopback (socket: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        try
        {
            // struct ifreq: the name (16 bytes), then the flags (a short) in the union.
            var request = stackalloc byte[40];
            new Span<byte>(request, 40).Clear();
            "lo"u8.CopyTo(new Span<byte>(request, 16));
            if (ioctl(fd, SIOCGIFFLAGS, (nint)request) != 0)
                throw new OciException($"cannot read the container's loopback flags (ioctl SIOCGIFFLAGS: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
            *(short*)(request + 16) |= IFF_UP;
            if (ioctl(fd, SIOCSIFFLAGS, (nint)request) != 0)
                throw new OciException($"cannot bring up the container's loopback (ioctl SIOCSIFFLAGS: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>True when this process's network namespace is the one at <paramref name="path"/> (both read as <c>net:[INODE]</c>).</summary>
    public static bool IsCurrentNetwork(string path)
    {
        using var handle = Open(Network, path);
        var wanted = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
        var current = new FileInfo("/proc/self/ns/net").LinkTarget;
        return wanted is not null && wanted == current;
    }

    /// <summary>The path of the network namespace in <paramref name="config"/>, or null.</summary>
    public static string? NetworkPath(OciConfig config) =>
        config.Linux?.Namespaces?.FirstOrDefault(ns => ns.Type == Network && ns.Path is { Length: > 0 })?.Path;

    private static string ShortName(string type) => type switch
    {
        Network => "net",
        "mount" => "mnt",
        _ => type,
    };

    private const int O_RDONLY = 0, O_CLOEXEC = 0x80000, ENOENT = 2;

    /// <summary>_IO(0xb7, 0x3): the namespace's CLONE_NEW* type (Linux 4.11).</summary>
    private const ulong NS_GET_NSTYPE = 0xb703;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, nint argument);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    private const int AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    private const short IFF_UP = 1;
    private const ulong SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914;

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    private static partial int unshare(int flags);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int close(int fd);
}
