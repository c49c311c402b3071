using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Bundle;

/// <summary>
/// Resolves a path as a process inside the container would see it, without ever leaving the rootfs: symlinks are
/// followed by hand, and an absolute link target or <c>..</c> stops at the rootfs, as a chroot would.
/// </summary>
/// <remarks>
/// Why by hand: the image is untrusted. <c>/app.wasm -&gt; /etc/shadow</c> followed by the host would make Wasmbox read a
/// host file as the module (and tell its first bytes through the wasm check). The result is a host path under the
/// rootfs with no symlink in it. A rootfs changed while this runs could still race it; rootfs layers are not
/// written to by anyone while a container is created.
/// </remarks>
internal static class RootfsPath
{
    private const int MaxLinks = 40;

    /// <summary>The host path of <paramref name="path"/> inside <paramref name="rootfs"/>; relative paths start at <paramref name="cwd"/>.</summary>
    public static string Resolve(string rootfs, string path, string cwd = "/")
    {
        var pending = new Stack<string>();
        var start = path.StartsWith('/') ? path : cwd.TrimEnd('/') + "/" + path;
        Push(pending, start);
        var parts = new List<string>();
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
            var host = Path.Combine(rootfs, string.Join('/', parts));
            var info = new FileInfo(host);
            if (info.LinkTarget is not { } target) continue;
            if (++links > MaxLinks) throw new OciException($"{path}: too many symbolic links inside the rootfs");
            parts.RemoveAt(parts.Count - 1);
            if (target.StartsWith('/')) parts.Clear();
            Push(pending, target);
        }
        return parts.Count == 0 ? rootfs : Path.Combine(rootfs, string.Join('/', parts));
    }

    private static void Push(Stack<string> pending, string path)
    {
        var split = path.Split('/');
        for (var i = split.Length - 1; i >= 0; i--) pending.Push(split[i]);
    }
}
