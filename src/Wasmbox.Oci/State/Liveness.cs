using System.Globalization;

namespace Wasmbox.Oci.State;

/// <summary>Whether a container's process still runs, from <c>/proc/PID/stat</c>: gone and zombie both count as stopped.</summary>
internal static class Liveness
{
    /// <summary>The process's start time (field 22 of /proc/PID/stat), or null when there is no such process or it is a zombie.</summary>
    public static ulong? StartTime(int pid)
    {
        if (pid <= 0) return null;
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        if (fields.Length < 20 || fields[0] is "Z" or "X") return null;
        return ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : null;
    }

    /// <summary>True while the container's own process (not a reused pid) lives and is not a zombie.</summary>
    public static bool IsAlive(ContainerState state) => state.Pid > 0 && StartTime(state.Pid) == state.PidStartTime;

    /// <summary>The status to report: creating while create runs (no pid yet), stored created/running, or stopped once the process is gone.</summary>
    public static string StatusOf(ContainerState state) =>
        state is { Status: "creating", Pid: 0 } ? "creating" : IsAlive(state) ? state.Status : "stopped";

    /// <summary>Every live process below <paramref name="root"/>, children first found, for <c>ps</c> and <c>kill --all</c>.</summary>
    public static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var stat = File.ReadAllText($"{dir}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] is "Z" or "X") continue;
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { }
        }
        var result = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents)
            {
                if (ppid != parent || result.Contains(pid)) continue;
                result.Add(pid);
                frontier.Enqueue(pid);
            }
        }
        return result;
    }
}
