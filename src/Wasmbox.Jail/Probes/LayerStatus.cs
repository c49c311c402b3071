namespace Wasmbox.Jail.Probes;

/// <summary>What one isolation layer looks like on this host.</summary>
/// <param name="Layer">One of <see cref="Layers"/>.</param>
/// <param name="Available">True when Wasmbox can use the layer here.</param>
/// <param name="Detail">What the probe saw, in one line (versions, paths, errno).</param>
/// <param name="Fix">What to do when the layer is missing, preferably one command; null when nothing is needed or nothing can be done.</param>
public sealed record LayerStatus(string Layer, bool Available, string Detail, string? Fix);

/// <summary>The layer names <c>wasmbox doctor</c> prints, in the order it prints them.</summary>
public static class Layers
{
    public const string Bubblewrap = "bubblewrap";
    public const string UserNamespaces = "user namespaces";
    public const string Seccomp = "seccomp";
    public const string Cgroups = "cgroups";
    public const string Landlock = "landlock";
    public const string Rlimits = "rlimits";

    public static readonly IReadOnlyList<string> All = [Bubblewrap, UserNamespaces, Seccomp, Cgroups, Landlock, Rlimits];
}
