namespace Wasmbox.Worker;

/// <summary>The largest resident set this process has had: <c>VmHWM</c> from <c>/proc/self/status</c>.</summary>
/// <remarks>
/// Why not <c>getrusage(RUSAGE_SELF).ru_maxrss</c>: Linux keeps it across execve, so a worker spawned by a large
/// parent reported the parent's resident set at the fork (597 MiB for a tiny worker in the process tier, measured).
/// <c>VmHWM</c> belongs to the address space, which execve replaces, so it counts this program alone.
/// </remarks>
internal static class PeakRss
{
    public static long? OfThisProcess()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var digits = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var kib)
                    ? kib * 1024 : null;
            }
        }
        catch (IOException) { }
        return null;
    }
}
