using Wasmbox.Core.Policy;

namespace Wasmbox.Jail.Bubblewrap;

/// <summary>What the jail around one worker contains.</summary>
/// <param name="WorkerDirectory">Host folder of the worker executable, bound read-only at <see cref="JailLayout.App"/>.</param>
/// <param name="WorkerCommand">The command inside the jail, e.g. <c>/app/wasmbox-worker</c>, or a dotnet host and the worker's dll.</param>
/// <param name="ExtraReadOnly">Host folders the worker command needs besides /usr (a dotnet installation outside /usr), bound at the same path.</param>
/// <param name="Module">Host path of the module or artifact, bound read-only at <paramref name="ModuleInJail"/>; null
/// for a pooled worker, whose module is copied into <see cref="ModuleFolder"/> later.</param>
/// <param name="Grants">The policy's directory grants, in preopen order; grant n is bound at <see cref="JailLayout.Grant"/>(n).</param>
/// <param name="SeccompFd">Descriptor of the exported BPF program, inherited by bubblewrap; null for no filter.</param>
/// <param name="Environment">The worker's whole environment (bubblewrap starts from an empty one).</param>
public sealed record JailSpec(
    string WorkerDirectory,
    IReadOnlyList<string> WorkerCommand,
    IReadOnlyList<string> ExtraReadOnly,
    string? Module,
    string ModuleInJail,
    IReadOnlyList<DirGrant> Grants,
    int? SeccompFd,
    IReadOnlyList<KeyValuePair<string, string>> Environment)
{
    /// <summary>
    /// A private host folder bound read-only at <see cref="JailLayout.ModuleDir"/> before <see cref="Module"/> (a run
    /// worker's; see <c>ModuleFolder</c>), so that <c>/run/wasmbox</c> is read-only and holds only the module.
    /// </summary>
    public string? ModuleFolder { get; init; }
}

/// <summary>
/// Turns a <see cref="JailSpec"/> into bubblewrap's argument list. The order of the mount arguments matters: bubblewrap
/// applies them in order onto an empty tmpfs root, so the system folders come first and the grants last.
/// </summary>
/// <remarks>
/// Every option here has a reason (docs/SECURITY.md has the threat model):
/// <list type="bullet">
/// <item><c>--unshare-all</c>: new user, mount, pid, network, ipc, uts and cgroup namespaces. The network namespace holds
/// only a loopback device, so the worker can reach nothing; listening sockets come in as inherited descriptors.</item>
/// <item><c>--cap-drop ALL</c>: mandatory when wasmbox runs as root; without it bubblewrap keeps every capability inside
/// the namespace and a read-only bind can be remounted read-write (measured, see the jail notes).</item>
/// <item><c>--die-with-parent</c>: the jail dies with its parent, so a killed wasmbox leaves no worker behind.</item>
/// <item><c>--new-session</c>: no controlling terminal, so no <c>TIOCSTI</c> keystroke injection into the caller's shell.</item>
/// <item><c>--clearenv</c>: the worker gets exactly <see cref="JailSpec.Environment"/>, nothing of ours.</item>
/// </list>
/// Only <c>/usr</c> (and the merged-/usr links into it) is visible from the host system: no <c>/etc</c>, no <c>/home</c>,
/// no <c>/sys</c>, no <c>/root</c>. <c>/proc</c> is the jail's own (the .NET runtime needs it), <c>/dev</c> a minimal one,
/// <c>/tmp</c> a private tmpfs.
/// </remarks>
public static class BubblewrapArgs
{
    /// <summary>The root-level entries that are links into /usr on a merged-/usr system, or folders of their own on an older one.</summary>
    private static readonly string[] SystemRoots = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

    public static List<string> Build(JailSpec spec) => Build(spec, ReadSystemRoot);

    /// <summary>For tests: <paramref name="systemRoot"/> says, for "/lib" etc., whether it is a link (and to what), a folder, or absent.</summary>
    internal static List<string> Build(JailSpec spec, Func<string, SystemRootKind> systemRoot)
    {
        var args = new List<string>
        {
            "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv",
            "--ro-bind", "/usr", "/usr",
        };
        foreach (var root in SystemRoots)
        {
            switch (systemRoot(root))
            {
                case SystemRootKind.Link link: args.AddRange(["--symlink", link.Target, root]); break;
                case SystemRootKind.Folder: args.AddRange(["--ro-bind", root, root]); break;
            }
        }
        args.AddRange(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]);
        foreach (var extra in spec.ExtraReadOnly) args.AddRange(["--ro-bind", extra, extra]);
        args.AddRange(["--ro-bind", spec.WorkerDirectory, JailLayout.App]);
        // The folder first: the module file is then bound over its placeholder inside it.
        if (spec.ModuleFolder is { } folder) args.AddRange(["--ro-bind", folder, JailLayout.ModuleDir]);
        if (spec.Module is { } module) args.AddRange(["--ro-bind", module, spec.ModuleInJail]);
        for (var i = 0; i < spec.Grants.Count; i++)
        {
            var grant = spec.Grants[i];
            args.AddRange([grant.ReadOnly ? "--ro-bind" : "--bind", grant.HostPath, JailLayout.Grant(i)]);
        }
        if (spec.SeccompFd is { } fd) args.AddRange(["--seccomp", fd.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        foreach (var (name, value) in spec.Environment) args.AddRange(["--setenv", name, value]);
        args.AddRange(["--chdir", "/tmp", "--"]);
        args.AddRange(spec.WorkerCommand);
        return args;
    }

    private static SystemRootKind ReadSystemRoot(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target) return new SystemRootKind.Link(target);
        return Directory.Exists(path) ? new SystemRootKind.Folder() : new SystemRootKind.Absent();
    }
}

/// <summary>What a root-level system entry such as <c>/lib</c> is on this host.</summary>
internal abstract record SystemRootKind
{
    private SystemRootKind() { }
    public sealed record Link(string Target) : SystemRootKind;
    public sealed record Folder : SystemRootKind;
    public sealed record Absent : SystemRootKind;
}
