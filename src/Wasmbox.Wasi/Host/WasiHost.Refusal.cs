using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Host;

// Policy refusals: a call the sandbox policy refuses (read-only grant, missing right, path leaving its directory) says
// why, so the tracing/audit layer can tell a refusal from an ordinary host error with the same errno.
public sealed partial class WasiHost
{
    /// <summary>
    /// Why the policy refused the most recent call, or null. Set right before the refusal errno is returned and never
    /// cleared by the calls themselves: the tracing layer reads it with <see cref="TakeRefusal"/> after each call.
    /// </summary>
    public string? LastRefusal { get; private set; }

    /// <summary>Returns <see cref="LastRefusal"/> and clears it.</summary>
    public string? TakeRefusal()
    {
        var reason = LastRefusal;
        LastRefusal = null;
        return reason;
    }

    private Errno Refuse(Errno errno, string reason)
    {
        LastRefusal = reason;
        Context.Refusals.Add(reason, errno);
        return errno;
    }

    /// <summary>
    /// Refuses a mutating call on a descriptor from a read-only grant.
    /// </summary>
    /// <remarks>
    /// Why <see cref="Errno.Perm"/> (EPERM, 63) and not EROFS or ENOTCAPABLE: it is what Wasmtime's built-in WASI, our
    /// reference oracle, returns for a write in a read-only preopen ("Operation not permitted"), so guests see the same
    /// errno under both and the differential tests agree. EROFS would claim the whole file system is read-only, and
    /// ENOTCAPABLE is kept for missing rights and paths that leave their directory.
    /// </remarks>
    private Errno RefuseIfReadOnly(WasiFd fd, string call) =>
        fd.ReadOnly ? Refuse(Errno.Perm, $"{call}: read-only grant") : Errno.Success;

    /// <summary>Refuses with ENOTCAPABLE when <paramref name="fd"/> lacks any of <paramref name="needed"/> (docs.md#rights).</summary>
    private Errno RefuseIfMissing(WasiFd fd, Rights needed, string call) =>
        (fd.RightsBase & needed) == needed ? Errno.Success : Refuse(Errno.Notcapable, $"{call}: descriptor lacks the right {needed & ~fd.RightsBase}");
}
