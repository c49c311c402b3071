using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Oci.Bundle;

/// <summary>
/// The network namespace a wasm container's process starts in, from <c>linux.namespaces</c>: the one given by path
/// (joined), or a new one (an entry without a path). No entry: none of these, the caller's (see <see cref="Open"/>).
/// </summary>
/// <remarks>Owns the joined namespace's descriptor (close-on-exec): dispose it once the container process is started.</remarks>
internal sealed class ContainerNetwork : IDisposable
{
    private readonly SafeFileHandle? _join;

    private ContainerNetwork(SafeFileHandle? join) => _join = join;

    /// <summary>
    /// Checks every namespace path in <paramref name="config"/> (see <see cref="NamespacePaths.OpenNetwork"/>) and says
    /// where the container process must start: null when the config lists no network namespace (the caller's).
    /// </summary>
    public static ContainerNetwork? Open(OciConfig config)
    {
        if (NamespacePaths.OpenNetwork(config) is { } join) return new ContainerNetwork(join);
        return config.Linux?.Namespaces?.Any(ns => ns.Type == NamespacePaths.Network) == true ? new ContainerNetwork(null) : null;
    }

    /// <summary>Moves the calling thread into the namespace: setns into the given one, or unshare a new one with loopback up.</summary>
    public void EnterOnThisThread()
    {
        if (_join is { } join) NamespacePaths.JoinOnThisThread(join);
        else NamespacePaths.NewOnThisThread();
    }

    public void Dispose() => _join?.Dispose();
}
