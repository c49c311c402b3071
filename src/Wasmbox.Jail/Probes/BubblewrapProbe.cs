namespace Wasmbox.Jail.Probes;

/// <summary>
/// Layer "bubblewrap": <c>/usr/bin/bwrap</c> is installed, and it can really create every namespace the jail uses.
/// Presence alone proves little (user namespaces may be disabled), so the probe runs <c>/usr/bin/true</c> inside a
/// minimal jail with the same namespace flags the worker gets.
/// </summary>
public static class BubblewrapProbe
{
    public const string DefaultPath = "/usr/bin/bwrap";
    public const string InstallCommand = "apt-get install -y bubblewrap";

    /// <summary>The smallest jail with the flags the worker jail uses; /usr holds everything /usr/bin/true needs.</summary>
    public static readonly IReadOnlyList<string> SmokeTestArgs =
    [
        "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/true",
    ];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static LayerStatus Probe(string bwrapPath = DefaultPath)
    {
        if (!File.Exists(bwrapPath))
            return new LayerStatus(Layers.Bubblewrap, false, $"{bwrapPath} not found", InstallCommand);
        var version = ProbeCommand.Run(bwrapPath, ["--version"], Timeout);
        var smoke = ProbeCommand.Run(bwrapPath, SmokeTestArgs, Timeout);
        return Interpret(bwrapPath, version.Succeeded ? ParseVersion(version.Stdout) : null, smoke,
                         UserNamespaceProbe.ReadFacts("/proc"));
    }

    /// <summary><c>bwrap --version</c> prints "bubblewrap 0.8.0"; returns "0.8.0", or null for anything else.</summary>
    internal static string? ParseVersion(string output)
    {
        var words = output.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words is ["bubblewrap", var v] && v.Length > 0 && char.IsAsciiDigit(v[0]) ? v : null;
    }

    internal static LayerStatus Interpret(string path, string? version, CommandResult smoke, UserNamespaceFacts userns)
    {
        var name = $"bubblewrap {version ?? "(unknown version)"} at {path}";
        if (smoke.Succeeded)
            return new LayerStatus(Layers.Bubblewrap, true, $"{name}; created all namespaces (--unshare-all) and ran /usr/bin/true", null);

        var why = smoke.TimedOut ? $"the test jail did not finish within {Timeout.TotalSeconds:0} s"
                  : smoke.StartError ?? smoke.LastErrorLine ?? $"the test jail exited with {smoke.ExitCode} and printed nothing";
        // bubblewrap says "No permissions to create new namespace" (or "setting up uid map: Permission denied" under
        // AppArmor) when user namespaces are closed to us: then the fix is a sysctl, not a package.
        var namespaceDenied = why.Contains("namespace", StringComparison.OrdinalIgnoreCase) || why.Contains("uid map", StringComparison.OrdinalIgnoreCase);
        var fix = namespaceDenied
            ? userns.Fix ?? "enable unprivileged user namespaces (on Debian: sysctl -w kernel.unprivileged_userns_clone=1)"
            : null;
        return new LayerStatus(Layers.Bubblewrap, false, $"{name} is installed but cannot create the jail: {why}", fix);
    }
}
