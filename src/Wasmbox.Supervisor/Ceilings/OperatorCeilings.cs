using System.Runtime.InteropServices;
using Wasmbox.Core.Policy;
using Wasmbox.Core.Units;

namespace Wasmbox.Supervisor.Ceilings;

/// <summary>A policy asks for more than the operator allows: which ceiling, and a sentence that names the value and the ceiling.</summary>
/// <param name="Ceiling">The daemon flag of the ceiling, e.g. <c>--max-memory</c> or <c>--allow-grant</c>.</param>
public sealed record CeilingViolation(string Ceiling, string Message);

/// <summary>
/// What the operator allows any sandbox at most (the daemon's flags). A policy above a ceiling is refused, never clamped,
/// and a policy without a limit the operator caps is refused too: the client must say what it asks for.
/// </summary>
public sealed partial record OperatorCeilings
{
    /// <summary>Host folders under which grants may be made (<c>--allow-grant DIR</c>); empty: no host directory may be granted.</summary>
    public IReadOnlyList<string> AllowedGrantRoots { get; init; } = [];

    public long? MaxMemoryBytes { get; init; }

    public TimeSpan? MaxTimeout { get; init; }

    public double? MaxCpus { get; init; }

    public int? MaxOpenFiles { get; init; }

    public long? MaxOutputBytes { get; init; }

    public ulong? MaxFuel { get; init; }

    public TimeSpan? MaxCpuTime { get; init; }

    public long? MaxDiskWriteBytes { get; init; }

    public int? MaxConnections { get; init; }

    public long? MaxNetBytes { get; init; }

    /// <summary>
    /// <c>--net-ceiling RULE</c>: when any is given, every <c>allow-net</c> rule of a sandbox must lie within one of these
    /// (<see cref="NetRule.Covers"/>); empty, the default, passes the rules through unchanged.
    /// </summary>
    public IReadOnlyList<NetRule> NetCeiling { get; init; } = [];

    /// <summary>
    /// Whether a sandbox may ask for <c>--listen</c>. Off by default: the daemon would bind the sockets on its own host,
    /// on addresses and ports the client chooses.
    /// </summary>
    public bool AllowListen { get; init; }

    /// <summary>Tiers a sandbox may ask for; jail only by default. A policy with no tier means "the strongest", allowed when jail is.</summary>
    public IReadOnlySet<IsolationTier> AllowedTiers { get; init; } = new HashSet<IsolationTier> { IsolationTier.Jail };

    /// <summary>No grants, jail only, no numeric ceiling.</summary>
    public static OperatorCeilings Default { get; } = new();

    /// <summary>The first ceiling <paramref name="policy"/> breaks, or null when it is within all of them.</summary>
    public CeilingViolation? Check(SandboxPolicy policy) => Check(policy, out _);

    /// <summary>
    /// As <see cref="Check(SandboxPolicy)"/>, and on success also the policy to run: each grant's host path replaced by the real
    /// path that was checked, so the jail binds what was approved rather than re-following a link that may have changed.
    /// </summary>
    public CeilingViolation? Check(SandboxPolicy policy, out SandboxPolicy resolved)
    {
        resolved = policy;
        var l = policy.Limits;
        var violation =
            Numeric("--max-memory", l.MaxMemoryBytes, MaxMemoryBytes, ByteSize.Format)
            ?? Numeric("--timeout", l.Timeout, MaxTimeout, DurationText.Format)
            ?? Numeric("--cpus", l.Cpus, MaxCpus, c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))
            ?? Numeric("--max-open-files", l.MaxOpenFiles, MaxOpenFiles, n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))
            ?? Numeric("--max-output", l.MaxOutputBytes, MaxOutputBytes, ByteSize.Format)
            ?? Numeric("--fuel", l.Fuel, MaxFuel, f => f.ToString(System.Globalization.CultureInfo.InvariantCulture))
            ?? Numeric("--cpu-time", l.CpuTime, MaxCpuTime, DurationText.Format)
            ?? Numeric("--max-disk-write", l.MaxDiskWriteBytes, MaxDiskWriteBytes, ByteSize.Format)
            ?? Numeric("--max-connections", l.MaxConnections, MaxConnections, n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))
            ?? Numeric("--max-net-bytes", l.MaxNetBytes, MaxNetBytes, ByteSize.Format)
            ?? Net(policy.Net)
            ?? Listen(policy.Listen)
            ?? Tier(policy.Isolation);
        if (violation is not null) return violation;

        var grants = new List<DirGrant>();
        foreach (var grant in policy.Dirs)
        {
            var (real, problem) = Grant(grant);
            if (problem is not null) return problem;
            grants.Add(grant with { HostPath = real! });
        }
        if (policy.Stdin is StdinSource.FromFile stdinFile)
        {
            // The daemon opens the stdin file with its own rights, so it is a grant in disguise: the same roots apply.
            var (real, problem) = Beneath("--stdin", stdinFile.Path, File.Exists);
            if (problem is not null) return problem;
            resolved = policy with { Dirs = grants, Stdin = new StdinSource.FromFile(real!) };
            return null;
        }
        resolved = policy with { Dirs = grants };
        return null;
    }

    private static CeilingViolation? Numeric<T>(string flag, T? asked, T? ceiling, Func<T, string> format) where T : struct, IComparable<T>
    {
        if (ceiling is not { } max) return null;
        if (asked is not { } value)
            return new CeilingViolation(flag, $"{flag} is required: the operator allows at most {format(max)}");
        return value.CompareTo(max) > 0
            ? new CeilingViolation(flag, $"{flag} {format(value)} is above the operator's ceiling of {format(max)}")
            : null;
    }

    /// <summary>The first rule no <see cref="NetCeiling"/> rule covers, when there is a ceiling.</summary>
    private CeilingViolation? Net(NetPolicy net)
    {
        if (NetCeiling.Count == 0) return null;
        var outside = net.Rules.FirstOrDefault(rule => !NetCeiling.Any(ceiling => ceiling.Covers(rule)));
        return outside is null
            ? null
            : new CeilingViolation("--net-ceiling",
                $"--allow-net '{outside.Text}': not within the network the operator allows (--net-ceiling {string.Join(", ", NetCeiling.Select(c => c.Text))}); ask for a narrower rule");
    }

    private CeilingViolation? Listen(IReadOnlyList<string> addresses) =>
        addresses.Count == 0 || AllowListen
            ? null
            : new CeilingViolation("--allow-listen", $"--listen {addresses[0]}: the operator does not let sandboxes listen on the daemon's host (daemon flag --allow-listen)");

    private CeilingViolation? Tier(IsolationTier? asked)
    {
        var tier = asked ?? IsolationTier.Jail;
        if (AllowedTiers.Contains(tier)) return null;
        var allowed = string.Join(", ", AllowedTiers.Order().Select(t => t.Name()));
        return new CeilingViolation("--isolation",
            $"--isolation {tier.Name()} is not allowed by the operator (allowed: {(allowed.Length == 0 ? "none" : allowed)})");
    }

    private (string? Real, CeilingViolation? Problem) Grant(DirGrant grant) =>
        Beneath(grant.ReadOnly ? "--ro-dir" : "--dir", grant.HostPath, Directory.Exists);

    private (string? Real, CeilingViolation? Problem) Beneath(string flag, string path, Func<string, bool> exists)
    {
        if (AllowedGrantRoots.Count == 0)
            return (null, new CeilingViolation("--allow-grant", $"{flag} {path}: the operator allows no host paths to be granted"));
        var real = RealPath(path);
        if (real is null || !exists(real))
            return (null, new CeilingViolation("--allow-grant", $"{flag} {path}: no such {(flag == "--stdin" ? "file" : "directory")} on the daemon's host"));
        foreach (var root in AllowedGrantRoots)
        {
            if (RealPath(root) is { } realRoot && IsSameOrBeneath(real, realRoot)) return (real, null);
        }
        return (null, new CeilingViolation("--allow-grant",
            $"{flag} {path}: resolves to {real}, which is not under a folder the operator allows ({string.Join(", ", AllowedGrantRoots)})"));
    }

    /// <summary>Compares whole path components: <c>/srv/data2</c> is not beneath <c>/srv/data</c>.</summary>
    internal static bool IsSameOrBeneath(string path, string root)
    {
        if (root == "/") return path.StartsWith('/');
        return path == root || path.StartsWith(root + "/", StringComparison.Ordinal);
    }

    /// <summary><c>realpath(3)</c>: absolute, every symlink and every <c>..</c> resolved by the kernel's view of the file system; null when it does not exist.</summary>
    internal static string? RealPath(string path)
    {
        if (path.Contains('\0')) return null;
        // Never normalise lexically first: "link/.." must go where the kernel goes (the link's target's parent).
        var result = Native.Realpath(Path.IsPathRooted(path) ? path : Path.Combine(Environment.CurrentDirectory, path), 0);
        if (result == 0) return null;
        try { return Marshal.PtrToStringUTF8(result); }
        finally { Native.Free(result); }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial nint Realpath(string path, nint resolved);

        [LibraryImport("libc", EntryPoint = "free")]
        internal static partial void Free(nint pointer);
    }
}
