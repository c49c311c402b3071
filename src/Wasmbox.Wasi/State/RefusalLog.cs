using Wasmbox.Core.Outcomes;

namespace Wasmbox.Wasi.State;

/// <summary>
/// Every policy refusal of one run, as <see cref="Host.WasiHost"/> makes them: the first
/// <see cref="RefusalAudit.MaxKept"/> kept, all counted (the audit trail: <c>wasmbox audit</c>, the report's <c>refusals</c>).
/// </summary>
public sealed class RefusalLog
{
    private readonly Lock _gate = new();
    private readonly List<Refusal> _kept = [];
    private long _total;

    /// <summary>
    /// Told of each refusal that is kept, as it happens, on the guest's thread (a worker passes them to its parent at
    /// once, so the daemon's <c>refused</c> events do not wait for the run's end). At most <see cref="RefusalAudit.MaxKept"/> calls per run.
    /// </summary>
    public Action<Refusal>? Kept { get; set; }

    /// <param name="reason">The refusal as the host words it: <c>call: why</c>.</param>
    public void Add(string reason, Abi.Errno errno)
    {
        var colon = reason.IndexOf(": ", StringComparison.Ordinal);
        var call = colon > 0 ? reason[..colon] : "";
        Refusal? kept = null;
        lock (_gate)
        {
            _total++;
            if (_kept.Count < RefusalAudit.MaxKept)
            {
                kept = new Refusal(call, colon > 0 ? reason[(colon + 2)..] : reason, errno.ToString().ToLowerInvariant());
                _kept.Add(kept);
            }
        }
        if (kept is not null) Kept?.Invoke(kept);
    }

    public RefusalAudit Snapshot()
    {
        lock (_gate) return new RefusalAudit([.. _kept], _total);
    }
}
