namespace Wasmbox.Wasi;

/// <summary>Counters for the quotas the host enforces itself, and whether each was hit (for the report).</summary>
public sealed class Quotas(long? maxDiskWriteBytes, long? maxOutputBytes)
{
    public long? MaxDiskWriteBytes { get; } = maxDiskWriteBytes;
    public long? MaxOutputBytes { get; } = maxOutputBytes;

    /// <summary>
    /// Bytes charged against <see cref="MaxDiskWriteBytes"/> so far (what counts: <see cref="Fs.DiskCharge"/>). Never
    /// goes down: a file removed or shrunk gives nothing back. May pass the quota by one call's overshoot. Stays 0 when
    /// there is no quota, as nothing is measured then.
    /// </summary>
    public long DiskWritten { get; private set; }
    public long OutputWritten { get; private set; }

    /// <summary>Bytes <c>fd_read</c>/<c>fd_pread</c> gave the guest, from any descriptor (for reports and live stats; no quota).</summary>
    public long BytesRead { get; private set; }

    /// <summary>Bytes <c>fd_write</c>/<c>fd_pwrite</c> took from the guest, to any descriptor (for reports and live stats; no quota).</summary>
    public long BytesWritten { get; private set; }

    public void CountRead(long bytes) => BytesRead += bytes;

    public void CountWritten(long bytes) => BytesWritten += bytes;

    public bool DiskWriteLimitHit { get; private set; }
    public bool OutputLimitHit { get; private set; }
    public bool OpenFilesLimitHit { get; set; }

    // ---- network ----

    /// <summary><c>--max-connections</c>: guest sockets open at once.</summary>
    public int? MaxConnections { get; init; }

    /// <summary><c>--max-net-bytes</c>: bytes sent plus received over the run.</summary>
    public long? MaxNetBytes { get; init; }

    /// <summary>Guest sockets open now (counted against <see cref="MaxConnections"/>).</summary>
    public int OpenSockets { get; private set; }

    public long ConnectionsMade { get; private set; }
    public long ConnectionsRefused { get; private set; }
    public long NetBytesSent { get; private set; }
    public long NetBytesReceived { get; private set; }
    public bool ConnectionLimitHit { get; private set; }
    public bool NetBytesLimitHit { get; private set; }

    /// <summary>What the sockets did, for the report.</summary>
    public Wasmbox.Core.Outcomes.NetUsage NetUsage => new(ConnectionsMade, ConnectionsRefused, NetBytesSent, NetBytesReceived);

    /// <summary>Takes a place for one more socket; false (and the limit marked hit) when <see cref="MaxConnections"/> are open.</summary>
    public bool TakeSocket()
    {
        if (MaxConnections is { } max && OpenSockets >= max)
        {
            ConnectionLimitHit = true;
            ConnectionsRefused++;
            return false;
        }
        OpenSockets++;
        return true;
    }

    /// <summary>Gives back the place of a socket that was closed (or never opened).</summary>
    public void ReturnSocket() => OpenSockets = Math.Max(0, OpenSockets - 1);

    public void CountConnection() => ConnectionsMade++;

    public void CountRefusedConnection() => ConnectionsRefused++;

    /// <summary>How many of <paramref name="wanted"/> bytes may still be sent or received; marks the limit hit when none may.</summary>
    public int NetRoom(int wanted)
    {
        if (MaxNetBytes is not { } max) return wanted;
        var left = Math.Max(0, max - NetBytesSent - NetBytesReceived);
        if (left == 0 && wanted > 0) NetBytesLimitHit = true;
        return (int)Math.Min(wanted, left);
    }

    public void CountSent(long bytes) => NetBytesSent += bytes;

    public void CountReceived(long bytes) => NetBytesReceived += bytes;

    /// <summary>Whether there is a disk quota (and so whether host calls are measured at all).</summary>
    public bool LimitsDisk => MaxDiskWriteBytes is not null;

    /// <summary>How many of <paramref name="wanted"/> bytes the disk quota still has room for (all of them without a quota); takes nothing.</summary>
    public long DiskRoom(long wanted) =>
        MaxDiskWriteBytes is { } max ? Math.Clamp(max - DiskWritten, 0, wanted) : wanted;

    /// <summary>Whether all of <paramref name="wanted"/> bytes fit in what is left; a refusal marks the limit hit. Takes nothing.</summary>
    public bool HasDiskRoom(long wanted)
    {
        if (wanted <= 0 || DiskRoom(wanted) == wanted) return true;
        DiskWriteLimitHit = true;
        return false;
    }

    /// <summary>Adds <paramref name="bytes"/> the host stored for the guest; marks the limit hit once the count passes the quota.</summary>
    public void ChargeDisk(long bytes)
    {
        if (MaxDiskWriteBytes is not { } max) return;
        DiskWritten += bytes;
        if (DiskWritten > max) DiskWriteLimitHit = true;
    }

    /// <summary>Records that a call was refused or cut short because the quota is spent.</summary>
    public void MarkDiskLimitHit() => DiskWriteLimitHit = true;

    /// <summary>How many of <paramref name="wanted"/> output bytes may still be passed on; marks the limit hit when not all.</summary>
    public long TakeOutput(long wanted)
    {
        var allowed = MaxOutputBytes is { } max ? Math.Clamp(max - OutputWritten, 0, wanted) : wanted;
        if (allowed < wanted) OutputLimitHit = true;
        OutputWritten += allowed;
        return allowed;
    }
}
