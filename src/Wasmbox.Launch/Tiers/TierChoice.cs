using Wasmbox.Core.Policy;
using Wasmbox.Jail.Workers;

namespace Wasmbox.Launch.Tiers;

/// <summary>Which tier a sandbox runs in when its policy does not say: the jail where bubblewrap is installed, else a worker process.</summary>
public static class TierChoice
{
    /// <summary>The policy's tier, or the strongest this host offers, telling <paramref name="notice"/> when that is not the jail.</summary>
    public static IsolationTier For(SandboxPolicy policy, Action<string> notice) => For(policy, notice, WorkerLauncher.JailInstalled);

    internal static IsolationTier For(SandboxPolicy policy, Action<string> notice, Func<bool> jailInstalled)
    {
        if (policy.Isolation is { } chosen) return chosen;
        if (jailInstalled()) return IsolationTier.Jail;
        notice(OperatingSystem.IsLinux()
            ? "bubblewrap or libseccomp is not installed, so this sandbox runs with --isolation process (no OS jail); apt-get install -y bubblewrap libseccomp2, or see wasmbox doctor"
            : "the jail needs Linux, so this sandbox runs with --isolation process (no OS jail)");
        return IsolationTier.Process;
    }
}
