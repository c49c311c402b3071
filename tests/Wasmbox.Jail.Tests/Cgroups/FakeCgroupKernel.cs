using Wasmbox.Jail.Cgroups;

namespace Wasmbox.Jail.Tests.Cgroups;

/// <summary>
/// Plays the kernel over a temp folder shaped like /sys/fs/cgroup: a new cgroup directory gets its hierarchy's files
/// (as cgroupfs would show them), rmdir removes them and says EBUSY while cgroup.procs lists a task, and the writes
/// the kernel refuses are refused (memsw below the memory limit, an unknown controller in subtree_control).
/// Writes and signals are logged in order; a signal never reaches a real process, it only takes the pid out of
/// every cgroup.procs under the root, and cgroup.kill empties its cgroup.
/// </summary>
internal sealed class FakeCgroupKernel(string root) : CgroupFs
{
    private const string Unlimited = "9223372036854771712";

    public List<(string Path, string Value)> Writes { get; } = [];

    /// <summary>Writes as "path=value" and signals as "SIGKILL pid", in order.</summary>
    public List<string> Log { get; } = [];

    /// <summary>mkdir under any of these folders fails with EACCES.</summary>
    public HashSet<string> ReadOnlyParents { get; } = [];

    /// <summary>Whether a new memory cgroup gets memory.memsw.* / memory.swap.max (swap accounting on).</summary>
    public bool SwapAccounting { get; init; } = true;

    /// <summary>Whether a new cgroup2 directory gets cgroup.kill (Linux 5.14+).</summary>
    public bool HasCgroupKill { get; init; } = true;

    /// <summary>Writes to these cgroup.subtree_control files fail with EBUSY (a v2 cgroup with processes of its own).</summary>
    public HashSet<string> BusySubtreeControls { get; } = [];

    public string Rel(string path) => Path.GetRelativePath(root, path);

    public override int MakeDirectory(string path)
    {
        if (ReadOnlyParents.Contains(Path.GetDirectoryName(path)!)) return 13;
        var err = base.MakeDirectory(path);
        if (err != 0) return err;
        var rel = Rel(path);
        var mount = rel.Split('/')[0];
        if (File.Exists(Path.Combine(root, "cgroup.controllers"))) PopulateV2(path);
        else if (mount == "unified") PopulateV2(path);
        else PopulateV1(path, mount.Split(','));
        return 0;
    }

    public override int RemoveDirectory(string path)
    {
        if (!Directory.Exists(path)) return 2;
        if (Directory.GetDirectories(path).Length > 0) return 16;
        if (File.Exists(Path.Combine(path, "cgroup.procs")) && File.ReadAllText(Path.Combine(path, "cgroup.procs")).Trim().Length > 0) return 16;
        foreach (var f in Directory.GetFiles(path)) File.Delete(f);
        return base.RemoveDirectory(path);
    }

    public override void WriteFile(string path, string value)
    {
        Writes.Add((Rel(path), value));
        Log.Add($"{Rel(path)}={value}");
        var dir = Path.GetDirectoryName(path)!;
        switch (Path.GetFileName(path))
        {
            case "cgroup.kill" when value == "1":
                foreach (var pid in File.ReadAllLines(Path.Combine(dir, "cgroup.procs")).Where(l => l.Length > 0)) Die(int.Parse(pid));
                return;
            case "cgroup.freeze":
                File.WriteAllText(Path.Combine(dir, "cgroup.events"), $"populated 1\nfrozen {value}\n");
                break;
            case "memory.memsw.limit_in_bytes"
                when long.Parse(value) < long.Parse(File.ReadAllText(Path.Combine(dir, "memory.limit_in_bytes"))):
                throw new IOException("Invalid argument");
            case "cgroup.subtree_control":
                if (BusySubtreeControls.Contains(path)) throw new IOException("Device or resource busy");
                var c = value.TrimStart('+');
                if (!File.ReadAllText(Path.Combine(dir, "cgroup.controllers")).Split(' ', '\n').Contains(c)) throw new IOException("Invalid argument");
                File.AppendAllText(path, c + " ");
                return;
        }
        base.WriteFile(path, value);
    }

    /// <summary>Pids that neither SIGKILL nor cgroup.kill remove (a task stuck in the kernel).</summary>
    public HashSet<int> Unkillable { get; } = [];

    public override void SendSigkill(int pid)
    {
        Log.Add($"SIGKILL {pid}");
        Die(pid);
    }

    /// <summary>A dead task leaves every cgroup it was in.</summary>
    private void Die(int pid)
    {
        if (Unkillable.Contains(pid)) return;
        foreach (var procs in Directory.GetFiles(root, "cgroup.procs", SearchOption.AllDirectories))
        {
            var left = File.ReadAllLines(procs).Where(l => l.Trim() != pid.ToString()).ToList();
            File.WriteAllLines(procs, left);
        }
    }

    private void PopulateV1(string dir, string[] controllers)
    {
        Put(dir, "cgroup.procs", "");
        Put(dir, "tasks", "");
        foreach (var c in controllers)
        {
            switch (c)
            {
                case "memory":
                    Put(dir, "memory.limit_in_bytes", Unlimited);
                    if (SwapAccounting) Put(dir, "memory.memsw.limit_in_bytes", Unlimited);
                    Put(dir, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
                    Put(dir, "memory.max_usage_in_bytes", "0");
                    break;
                case "pids":
                    Put(dir, "pids.max", "max");
                    break;
                case "cpu":
                    Put(dir, "cpu.cfs_period_us", "100000");
                    Put(dir, "cpu.cfs_quota_us", "-1");
                    break;
                case "cpuacct":
                    Put(dir, "cpuacct.usage", "0");
                    break;
                case "freezer":
                    Put(dir, "freezer.state", "THAWED");
                    break;
            }
        }
    }

    private void PopulateV2(string dir)
    {
        Put(dir, "cgroup.procs", "");
        if (HasCgroupKill) Put(dir, "cgroup.kill", "");
        Put(dir, "cgroup.freeze", "0");
        Put(dir, "cgroup.events", "populated 0\nfrozen 0\n");
        Put(dir, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
        Put(dir, "cgroup.subtree_control", "");
        // A child may use exactly the controllers its parent enabled for it.
        var enabled = File.ReadAllText(Path.Combine(Path.GetDirectoryName(dir)!, "cgroup.subtree_control"))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Put(dir, "cgroup.controllers", string.Join(' ', enabled) + "\n");
        if (enabled.Contains("memory"))
        {
            Put(dir, "memory.max", "max");
            if (SwapAccounting) Put(dir, "memory.swap.max", "max");
            Put(dir, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
            Put(dir, "memory.peak", "0");
        }
        if (enabled.Contains("pids")) Put(dir, "pids.max", "max");
        if (enabled.Contains("cpu")) Put(dir, "cpu.max", "max 100000");
    }

    private static void Put(string dir, string name, string contents) => File.WriteAllText(Path.Combine(dir, name), contents);
}
