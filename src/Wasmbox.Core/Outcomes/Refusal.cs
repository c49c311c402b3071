namespace Wasmbox.Core.Outcomes;

/// <summary>One WASI call the policy refused: the call, why (its path or address in quotes), and the errno the guest got (its witx name: perm, notcapable, acces).</summary>
public sealed record Refusal(string Call, string Reason, string Errno);

/// <summary>
/// The refusals of one run: the first <see cref="MaxKept"/> kept, all counted. Why bounded: a guest that retries a refused
/// call in a loop must not grow the host's memory or the daemon's database.
/// </summary>
public sealed record RefusalAudit(IReadOnlyList<Refusal> Kept, long Total)
{
    /// <summary>Refusals kept per run; the rest are only counted.</summary>
    public const int MaxKept = 256;

    public static RefusalAudit None { get; } = new([], 0);

    /// <summary>Refusals counted but not kept.</summary>
    public long Dropped => Total - Kept.Count;
}
