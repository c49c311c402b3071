namespace Wasmbox.Wasi;

/// <summary>Counters for the quotas the host enforces itself, and whether each was hit (for the report).</summary>
public sealed class Quotas(long? maxDiskWriteBytes, long? maxOutputBytes)
{
    public long? MaxDiskWriteBytes { get; } = maxDiskWriteBytes;
    public long? MaxOutputBytes { get; } = maxOutputBytes;

    public long DiskWritten { get; private set; }
    public long OutputWritten { get; private set; }

    public bool DiskWriteLimitHit { get; private set; }
    public bool OutputLimitHit { get; private set; }
    public bool OpenFilesLimitHit { get; set; }

    /// <summary>How many of <paramref name="wanted"/> bytes may still be written to disk; marks the limit hit when not all.</summary>
    public long TakeDisk(long wanted)
    {
        var allowed = MaxDiskWriteBytes is { } max ? Math.Clamp(max - DiskWritten, 0, wanted) : wanted;
        if (allowed < wanted) DiskWriteLimitHit = true;
        DiskWritten += allowed;
        return allowed;
    }

    /// <summary>Takes all of <paramref name="wanted"/> or nothing; a refusal marks the limit hit and spends nothing.</summary>
    public bool TryTakeDisk(long wanted)
    {
        if (MaxDiskWriteBytes is { } max && wanted > max - DiskWritten)
        {
            DiskWriteLimitHit = true;
            return false;
        }
        DiskWritten += wanted;
        return true;
    }

    /// <summary>Records that a write was refused because the quota is spent.</summary>
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
