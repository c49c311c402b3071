namespace Wasmbox.Core.Policy;

/// <summary>A host directory the guest may use, seen by the guest at <see cref="GuestPath"/>.</summary>
/// <param name="HostPath">Absolute, normalised host path of an existing directory.</param>
/// <param name="GuestPath">The name the guest opens it by (the WASI preopen name).</param>
/// <param name="ReadOnly">When true every mutating call under the grant is refused.</param>
public sealed record DirGrant(string HostPath, string GuestPath, bool ReadOnly)
{
    /// <summary>The separator between host and guest path: <c>HOST::GUEST</c>, as the Wasmtime CLI spells it.</summary>
    public const string Separator = "::";

    /// <summary>
    /// Parses <c>HOST[::GUEST]</c>. A relative HOST is resolved against <paramref name="baseDirectory"/>
    /// (the working directory for flags, the policy file's folder for a policy file). GUEST defaults to HOST as written.
    /// </summary>
    public static DirGrant Parse(string spec, bool readOnly, string baseDirectory, string source)
    {
        if (string.IsNullOrEmpty(spec) || spec.Contains('\0'))
            throw new PolicyException($"{source} '{spec}': empty or contains a NUL byte; write HOST[::GUEST]");
        var at = spec.IndexOf(Separator, StringComparison.Ordinal);
        var host = at < 0 ? spec : spec[..at];
        var guest = at < 0 ? spec : spec[(at + Separator.Length)..];
        if (host.Length == 0 || guest.Length == 0)
            throw new PolicyException($"{source} '{spec}': HOST and GUEST must not be empty; write HOST[::GUEST], e.g. ./data::/data");
        var full = Path.GetFullPath(host, baseDirectory);
        if (!Directory.Exists(full))
            throw new PolicyException(File.Exists(full)
                ? $"{source} '{spec}': {full} is a file, not a directory; grant the folder that holds it"
                : $"{source} '{spec}': no directory {full}; create it or fix the path");
        return new DirGrant(Path.TrimEndingDirectorySeparator(full) is { Length: > 0 } t ? t : full, guest, readOnly);
    }
}
