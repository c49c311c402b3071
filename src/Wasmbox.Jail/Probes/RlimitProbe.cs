using Wasmbox.Jail.Interop;

namespace Wasmbox.Jail.Probes;

/// <summary>
/// Layer "rlimits" (informational): this process's current NOFILE, FSIZE and CORE limits, which a worker inherits
/// unless the jail lowers them. setrlimit needs nothing installed, so the layer is always available on Linux.
/// </summary>
public static class RlimitProbe
{
    public static LayerStatus Probe()
    {
        var parts = new[] { ("NOFILE", Sys.RLIMIT_NOFILE), ("FSIZE", Sys.RLIMIT_FSIZE), ("CORE", Sys.RLIMIT_CORE) }
            .Select(r => Sys.Getrlimit(r.Item2, out var l) == 0
                ? $"{r.Item1} {Format(l.Current)}/{Format(l.Maximum)}"
                : $"{r.Item1} getrlimit failed");
        return new LayerStatus(Layers.Rlimits, true, "soft/hard: " + string.Join(", ", parts), null);
    }

    internal static string Format(ulong value) => value == Sys.RLIM_INFINITY ? "unlimited" : value.ToString();
}
