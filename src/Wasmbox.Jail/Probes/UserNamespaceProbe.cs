using Wasmbox.Jail.Interop;

namespace Wasmbox.Jail.Probes;

/// <summary>
/// The sysctls that decide whether bubblewrap may create a user namespace. A value is null when the file is absent
/// (e.g. <c>unprivileged_userns_clone</c> exists only on Debian-patched kernels).
/// </summary>
public sealed record UserNamespaceFacts(long? MaxUserNamespaces, int? UnprivilegedUsernsClone, int? AppArmorRestrictUnprivileged, bool IsRoot)
{
    /// <summary>
    /// Root may create namespaces whatever the sysctls say (except a zero maximum); anyone else needs all three gates open.
    /// </summary>
    public bool Allowed =>
        MaxUserNamespaces is not 0 && (IsRoot || (UnprivilegedUsernsClone is not 0 && AppArmorRestrictUnprivileged is not 1));

    /// <summary>The one sysctl that opens the gate that is closed, in bubblewrap's hint style; null when none is closed.</summary>
    public string? Fix =>
        MaxUserNamespaces is 0 ? "sysctl -w user.max_user_namespaces=15000"
        : IsRoot ? null
        : UnprivilegedUsernsClone is 0 ? "sysctl -w kernel.unprivileged_userns_clone=1"
        : AppArmorRestrictUnprivileged is 1 ? "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
        : null;
}

/// <summary>Layer "user namespaces": whether this process may create the namespaces bubblewrap needs.</summary>
public static class UserNamespaceProbe
{
    public static LayerStatus Probe() => Interpret(ReadFacts("/proc"));

    public static UserNamespaceFacts ReadFacts(string procRoot) => new(
        ReadNumber(Path.Combine(procRoot, "sys/user/max_user_namespaces")),
        (int?)ReadNumber(Path.Combine(procRoot, "sys/kernel/unprivileged_userns_clone")),
        (int?)ReadNumber(Path.Combine(procRoot, "sys/kernel/apparmor_restrict_unprivileged_userns")),
        Sys.Geteuid() == 0);

    internal static LayerStatus Interpret(UserNamespaceFacts f)
    {
        var detail = string.Join("; ", new[]
        {
            $"max_user_namespaces={(f.MaxUserNamespaces?.ToString() ?? "absent")}",
            f.UnprivilegedUsernsClone is { } c ? $"unprivileged_userns_clone={c}" : null,
            f.AppArmorRestrictUnprivileged is { } a ? $"apparmor_restrict_unprivileged_userns={a}" : null,
            f.IsRoot ? "running as root (bwrap keeps capabilities unless --cap-drop ALL)" : "running unprivileged",
        }.Where(s => s is not null));
        if (f.Allowed) return new LayerStatus(Layers.UserNamespaces, true, detail, null);
        return new LayerStatus(Layers.UserNamespaces, false,
            detail + "; the kernel does not allow this user to create user namespaces", f.Fix);
    }

    internal static long? ReadNumber(string path)
    {
        try { return long.TryParse(File.ReadAllText(path).Trim(), out var n) ? n : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
