using System.Text.Json;
using System.Text.Json.Serialization;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Probes;

namespace Wasmbox.Jail;

/// <summary>
/// What <c>wasmbox doctor</c> reports: every isolation layer on this host and the strongest tier it can enforce.
/// The jail tier needs bubblewrap (working, not just installed) and libseccomp; the other layers strengthen the jail
/// where present but do not decide the tier.
/// </summary>
/// <param name="Missing">The layers the jail tier needs and this host lacks; empty when <see cref="Tier"/> is jail.</param>
/// <param name="Install">The one command that would enable the jail tier; null when none is needed or known.</param>
public sealed record HostReport(IsolationTier Tier, IReadOnlyList<LayerStatus> Layers, IReadOnlyList<string> Missing, string? Install)
{
    private const string AptInstall = "apt-get install -y ";

    /// <summary>The layers the jail tier cannot do without.</summary>
    public static readonly IReadOnlyList<string> RequiredForJail = [Probes.Layers.Bubblewrap, Probes.Layers.Seccomp];

    /// <summary>Runs every probe. With bubblewrap installed this starts bwrap twice (--version and the test jail).</summary>
    public static HostReport Probe()
    {
        if (!OperatingSystem.IsLinux())
            return From(Probes.Layers.All.Select(l => new LayerStatus(l, false, "not Linux: the jail tier needs Linux namespaces", null)).ToList());
        return From(
        [
            BubblewrapProbe.Probe(),
            UserNamespaceProbe.Probe(),
            SeccompProbe.Probe(),
            CgroupProbe.Probe(),
            LandlockProbe.Probe(),
            RlimitProbe.Probe(),
        ]);
    }

    /// <summary>Decides the tier from probe results.</summary>
    public static HostReport From(IReadOnlyList<LayerStatus> layers)
    {
        var missing = layers.Where(l => RequiredForJail.Contains(l.Layer) && !l.Available).ToList();
        return new HostReport(missing.Count == 0 ? IsolationTier.Jail : IsolationTier.Process, layers,
                              missing.Select(l => l.Layer).ToList(), CombineFixes(missing.Select(l => l.Fix)));
    }

    /// <summary>
    /// One line: "this host can run --isolation jail", or "this host can run only --isolation process: install bubblewrap
    /// (apt-get install -y bubblewrap)".
    /// </summary>
    public string Verdict
    {
        get
        {
            if (Tier == IsolationTier.Jail) return "this host can run --isolation jail";
            var what = Install is { } cmd && cmd.StartsWith(AptInstall, StringComparison.Ordinal)
                ? "install " + string.Join(" and ", cmd[AptInstall.Length..].Split(' '))
                : string.Join(" and ", Missing) + " not usable";
            return $"this host can run only --isolation process: {what}{(Install is { } c ? $" ({c})" : "")}";
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, HostReportJsonContext.Default.HostReport);

    /// <summary>Merges several apt-get installs into one; any other fixes are joined with " && ".</summary>
    internal static string? CombineFixes(IEnumerable<string?> fixes)
    {
        var list = fixes.OfType<string>().Distinct().ToList();
        if (list.Count == 0) return null;
        if (list.All(f => f.StartsWith(AptInstall, StringComparison.Ordinal)))
            return AptInstall + string.Join(' ', list.SelectMany(f => f[AptInstall.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)).Distinct());
        return string.Join(" && ", list);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(HostReport))]
internal sealed partial class HostReportJsonContext : JsonSerializerContext;
