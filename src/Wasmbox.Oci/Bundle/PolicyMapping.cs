using System.Globalization;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Cgroups;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Bundle;

/// <summary>
/// Turns a wasm bundle into what Wasmbox runs: the module, argv and a <see cref="SandboxPolicy"/>. The mapping (the
/// table in docs/kubernetes.md):
/// <list type="bullet">
/// <item>process.args[0]: the module, a file in the rootfs; it stays the guest's argv[0] as written. args[1..]: its arguments.</item>
/// <item>process.env: the guest's whole environment.</item>
/// <item>root.path: granted as guest <c>/</c>; bind mounts of folders: granted at their destination (see <see cref="MountMapping"/>).</item>
/// <item>linux.resources.memory.limit: the guest's max-memory (and so the worker cgroup's limit, plus the runtime's headroom).</item>
/// <item>linux.resources.cpu.quota/period: cpus. linux.resources.pids.limit: see <see cref="PidsNote"/>.</item>
/// <item>io.wasmbox.* annotations: Wasmbox's own settings (<see cref="AnnotationSettings"/>).</item>
/// </list>
/// Everything else is named by <see cref="ConfigAudit"/>.
/// </summary>
internal static class PolicyMapping
{
    public static ContainerPlan Map(OciBundle bundle)
    {
        var config = bundle.Config;
        var notes = new List<ConfigNote>(ConfigAudit.Audit(config));
        var process = config.Process ?? throw new OciException("config.json has no process; say what to run in process.args");
        if (process.Args is not [var argv0, .. var rest] || argv0.Length == 0)
            throw new OciException("config.json process.args is empty; its first entry must name the .wasm module in the rootfs");

        var cwd = string.IsNullOrEmpty(process.Cwd) ? "/" : process.Cwd;
        if (cwd != "/")
            notes.Add(new ConfigNote(NoteLevel.Ignored, $"config.json process.cwd '{cwd}' is not applied: WASI preview1 has no working directory, so wasi-libc guests resolve relative paths against / (the rootfs); process.args[0] is looked up from it"));
        var module = RootfsPath.Resolve(bundle.Rootfs, argv0, cwd);
        if (!File.Exists(module))
            throw new OciException($"module {argv0} not found in the rootfs {bundle.Rootfs}; process.args[0] (the image's entrypoint or command) must name the .wasm file");

        var settings = new PolicySettings { Stdin = new SettingText("inherit", "the container's stdin", bundle.Directory) };
        foreach (var entry in process.Env ?? [])
        {
            if (!entry.Contains('='))
                throw new OciException($"config.json process.env '{entry}': write NAME=VALUE");
            settings.Env.Add(new SettingText(entry, "config.json process.env", bundle.Directory));
        }
        var resources = config.Linux?.Resources;
        if (resources?.Memory?.Limit is > 0 and var limit)
            settings.MaxMemory = new SettingText(limit.ToString(CultureInfo.InvariantCulture), "config.json linux.resources.memory.limit", bundle.Directory);
        if (resources?.Cpu is { Quota: > 0 and var quota } cpu)
        {
            var period = cpu.Period is > 0 and var p ? p : (ulong)CgroupLimits.CpuPeriodMicroseconds;
            settings.Cpus = new SettingText(((double)quota / period).ToString("R", CultureInfo.InvariantCulture), "config.json linux.resources.cpu.quota/period", bundle.Directory);
        }
        if (resources?.Pids?.Limit is { } pids) notes.Add(PidsNote(pids));

        var grants = MountMapping.Grants(bundle, notes);
        SandboxPolicy policy;
        bool trace;
        try
        {
            (var annotated, trace) = AnnotationSettings.Read(bundle.Annotations, bundle.Directory);
            // No host variable ever reaches the guest: process.env entries all carry their value.
            policy = settings.OverlaidWith(annotated).Build(_ => null, new StdinSource.Inherit()) with { Dirs = grants };
        }
        catch (PolicyException e)
        {
            throw new OciException(e.Message);
        }
        if (policy.Isolation == IsolationTier.None)
            throw new OciException("isolation none is not accepted for a container: its guest must be killable; write process or jail");
        return new ContainerPlan(module, argv0, rest, policy, trace, notes);
    }

    /// <summary>
    /// linux.resources.pids.limit: applied to the container's cgroup (linux.cgroupsPath, see
    /// <see cref="Container.ContainerCgroup"/>) when it leaves room for the worker's runtime and the container process
    /// (<see cref="Container.ContainerCgroup.MinimumPids"/>); the worker's own cgroup allows <see cref="CgroupLimits.DefaultPids"/>
    /// tasks whatever it says, and a WASI guest starts no processes. A smaller limit would abort the runtime, not stop a
    /// guest, so it is not applied.
    /// </summary>
    private static ConfigNote PidsNote(long limit) => limit <= 0 || limit >= Container.ContainerCgroup.MinimumPids
        ? new ConfigNote(NoteLevel.Covered, $"config.json linux.resources.pids.limit {limit}: the container's cgroup gets it (with linux.cgroupsPath); the worker's own cgroup allows {CgroupLimits.DefaultPids} tasks, and a WASI guest starts no processes")
        : new ConfigNote(NoteLevel.Ignored, $"config.json linux.resources.pids.limit {limit} is ignored: the worker's runtime and the container process need up to {Container.ContainerCgroup.MinimumPids} tasks of their own, and a WASI guest starts no processes");
}
