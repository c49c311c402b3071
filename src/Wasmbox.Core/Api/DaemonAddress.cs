using System.Runtime.InteropServices;

namespace Wasmbox.Core.Api;

/// <summary>Where the daemon listens by default, so the daemon and its clients agree without being told.</summary>
public static partial class DaemonAddress
{
    /// <summary>The environment variable that names the daemon: <c>unix:///path/to.sock</c>.</summary>
    public const string HostVariable = "WASMBOX_HOST";

    /// <summary><c>/run/wasmbox/wasmbox.sock</c> for root, else <c>$XDG_RUNTIME_DIR/wasmbox/wasmbox.sock</c>, else <c>/tmp/wasmbox-UID/wasmbox.sock</c>.</summary>
    public static string DefaultSocket(Func<string, string?> env)
    {
        if (!OperatingSystem.IsLinux()) return Path.Combine(Path.GetTempPath(), "wasmbox", "wasmbox.sock");
        var uid = Geteuid();
        if (uid == 0) return "/run/wasmbox/wasmbox.sock";
        var runtime = env("XDG_RUNTIME_DIR");
        return string.IsNullOrEmpty(runtime)
            ? Path.Combine(Path.GetTempPath(), $"wasmbox-{uid}", "wasmbox.sock")
            : Path.Combine(runtime, "wasmbox", "wasmbox.sock");
    }

    /// <summary>The socket path of a <c>unix:///path</c> (or a bare absolute path) host string; null when it is neither.</summary>
    public static string? SocketOf(string host) =>
        host.StartsWith("unix://", StringComparison.Ordinal) && host.Length > "unix://".Length && host["unix://".Length] == '/'
            ? host["unix://".Length..]
            : host.StartsWith('/') ? host : null;

    public static bool IsRoot => OperatingSystem.IsLinux() && Geteuid() == 0;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint Geteuid();
}
