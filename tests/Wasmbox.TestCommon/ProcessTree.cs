namespace Wasmbox.TestCommon;

/// <summary>
/// The processes below one process, read from <c>/proc</c>, so a test can check that a sandbox left nothing running.
/// Descendants, not a global count: other tests start workers of their own at the same time.
/// </summary>
public static class ProcessTree
{
    /// <summary>Every live process below <paramref name="root"/> (children, their children, …) whose command line contains <paramref name="marker"/>.</summary>
    public static IReadOnlyList<int> Descendants(int root, string marker)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (ParentOf(pid) is { } parent) parents[pid] = parent;
        }
        var result = new List<int>();
        foreach (var pid in parents.Keys)
        {
            var up = pid;
            var depth = 0;
            while (parents.TryGetValue(up, out var parent) && depth++ < 64)
            {
                if (parent == root)
                {
                    if (IsAlive(pid) && CommandLine(pid).Contains(marker, StringComparison.Ordinal)) result.Add(pid);
                    break;
                }
                up = parent;
            }
        }
        return result;
    }

    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException) { return false; }
    }

    public static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
    }

    /// <summary>Waits until none of <paramref name="pids"/> is alive; returns the ones still alive at the end.</summary>
    public static IReadOnlyList<int> WaitGone(IReadOnlyList<int> pids, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (true)
        {
            var alive = pids.Where(IsAlive).ToList();
            if (alive.Count == 0 || DateTime.UtcNow > until) return alive;
            Thread.Sleep(20);
        }
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid …": comm may hold spaces and parentheses, so parse after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
