using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Bubblewrap;
using Wasmbox.Jail.Cgroups;
using Wasmbox.Jail.Limits;
using Wasmbox.Jail.Syscalls;
using Wasmbox.Jail.Workers;

namespace Wasmbox.Jail;

/// <summary>
/// How one worker is put in its jail, in order, on one screen. Each step is its own file; this is the sequence.
/// </summary>
/// <remarks>
/// The order is <b>important</b>:
/// <list type="number">
/// <item>Descriptors: at the spawn, under the spawn lock, everything from 3 up is made close-on-exec, then only the
/// seccomp program and the listening sockets are made inheritable (<see cref="FdHygiene"/>).</item>
/// <item>seccomp: the filter is exported into a memfd that bubblewrap reads and installs after it has set up the
/// namespaces (bubblewrap itself needs mount and unshare), just before it executes the worker.</item>
/// <item>cgroup: created with its limits before anything starts, so the launch script can join it before bubblewrap
/// forks. Joining after the start would miss the processes bubblewrap already forked (cgroup membership is inherited
/// at fork, and moving a process does not move its children).</item>
/// <item>rlimits: set by the same script, after joining, then it execs bubblewrap; bubblewrap and the worker inherit them.</item>
/// <item>bubblewrap: namespaces, the mount view (only /usr, the worker, the module and the grants), capabilities dropped,
/// new session, the filter, then the worker.</item>
/// </list>
/// A pooled worker (<see cref="WorkerPool"/>) goes through the same steps for the pool's key, and the parent completes two
/// of them before its assignment: the module is copied into its folder, and its memory limit is raised to the job's.
/// </remarks>
public static class Contain
{
    /// <summary>
    /// The lowest RLIMIT_FSIZE the jail sets. The limit also bounds memfds, which the runtime and Wasmtime size with
    /// ftruncate: the JIT's W^X double mapping needs more than 1 MiB (CoreCLR fails to start below it, measured) and
    /// Wasmtime's copy-on-write memory image is as large as the module's data. So FSIZE is a per-file backstop, never
    /// below this; <c>--max-disk-write</c> itself is counted exactly by the WASI host.
    /// </summary>
    public const ulong FileSizeFloor = 256UL << 20;

    /// <summary>The runtime's own descriptors (libraries, epoll, pipes) on top of the guest's quota.</summary>
    public const ulong RuntimeOpenFiles = 64;

    /// <summary>Everything a jailed start needs; dispose it when the worker is gone (it owns the filter, the cgroup and the module folder).</summary>
    public sealed class Plan : IDisposable
    {
        public required IReadOnlyList<string> Argv { get; init; }
        public required IReadOnlyList<SafeHandle> Inherited { get; init; }
        public required SandboxPolicy PolicyInJail { get; init; }
        public required string ModuleInJail { get; init; }
        public WorkerCgroup? Cgroup { get; init; }
        internal SafeFileHandle? Seccomp { get; init; }
        internal ModuleFolder? Folder { get; init; }

        public void Dispose()
        {
            Seccomp?.Dispose();
            Cgroup?.Dispose();
            Folder?.Dispose();
        }
    }

    /// <summary>Prepares the jail for one job: filter, cgroup, launch script, bubblewrap arguments.</summary>
    /// <exception cref="JailSetupException">A step cannot be done on this host; the message says which and what to do.</exception>
    public static Plan Prepare(WorkerJob job, WorkerBinary worker, string bubblewrap, string name)
    {
        var limits = job.Policy.Limits;
        var fileName = ModuleFileName(job);
        // The module is bound over a placeholder in a private read-only folder, as a pooled worker's is copied into one,
        // so both see the same /run/wasmbox (see ModuleFolder).
        ModuleFolder.RemoveStale(Path.GetTempPath());
        var folder = ModuleFolder.CreateWithPlaceholder(Path.GetTempPath(), name, fileName);
        try
        {
            var plan = Prepare(RunConfinement(job.ModuleFile, folder.Path, fileName, job.Policy.Dirs, CgroupLimits.ForRun(limits), limits, worker),
                worker, bubblewrap, name);
            return WithFolder(plan, folder, PolicyInJail(job.Policy), plan.ModuleInJail);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Prepares the jail of a pooled worker: the jail <see cref="Prepare(WorkerJob, WorkerBinary, string, string)"/> gives
    /// a job that fits <see cref="WorkerPoolKey"/> (no grants, no listeners, no --cpus, default rlimits), except two things
    /// the parent completes before the assignment: the module, copied into its private folder, and the cgroup's
    /// memory limit, which starts at the runtime's headroom and is raised to the job's (<see cref="WorkerCgroup.RaiseMemoryLimit"/>).
    /// </summary>
    /// <param name="stagingRoot">Where the worker's private module folder is made.</param>
    internal static Plan PrepareBlank(WorkerBinary worker, string bubblewrap, string name, string stagingRoot)
    {
        var limits = WorkerPoolKey.Limits;
        var folder = ModuleFolder.Create(stagingRoot, name);
        try
        {
            var plan = Prepare(RunConfinement(null, folder.Path, "", [], CgroupLimits.ForRun(limits) with { MemoryBytes = CgroupLimits.RuntimeHeadroomBytes },
                limits, worker), worker, bubblewrap, name);
            // The job's policy, when it is known: see PolicyInJail.
            return WithFolder(plan, folder, SandboxPolicy.DenyAll, JailLayout.ModuleDir);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>A run's plan: the general one with the worker's private module folder, its policy and its module in the jail.</summary>
    private static Plan WithFolder(Plan plan, ModuleFolder folder, SandboxPolicy policyInJail, string moduleInJail) => new()
    {
        Argv = plan.Argv,
        Inherited = plan.Inherited,
        PolicyInJail = policyInJail,
        ModuleInJail = moduleInJail,
        Cgroup = plan.Cgroup,
        Seccomp = plan.Seccomp,
        Folder = folder,
    };

    /// <summary>The name the module has in <see cref="JailLayout.ModuleDir"/>: <c>module.cwasm</c> for an artifact.</summary>
    internal static string ModuleFileName(WorkerJob job) => $"module{(job.Precompiled ? ".cwasm" : Path.GetExtension(job.ModuleFile))}";

    /// <summary>The job's policy as the worker in the jail receives it: grants re-rooted at their mounts, a descriptor quota.</summary>
    internal static SandboxPolicy PolicyInJail(SandboxPolicy policy) => policy with
    {
        Dirs = policy.Dirs.Select((d, i) => d with { HostPath = JailLayout.Grant(i) }).ToList(),
        // Why a guest limit even when none was asked for: the jail's RLIMIT_NOFILE is then the default, and a guest
        // that took every descriptor would leave the runtime none (a lazily loaded library, a pipe) and abort it.
        // The runtime keeps its reserve; the guest gets EMFILE, a documented outcome.
        Limits = policy.Limits with { MaxOpenFiles = policy.Limits.MaxOpenFiles ?? (int)(ProcessRlimits.DefaultOpenFiles - RuntimeOpenFiles) },
    };

    /// <summary>A run worker's confinement: the one place both a per-assignment and a pooled worker get theirs from.</summary>
    private static Confinement RunConfinement(string? module, string folder, string fileName, IReadOnlyList<DirGrant> grants,
        CgroupLimits cgroup, SandboxLimits limits, WorkerBinary worker) =>
        new(module, $"{JailLayout.ModuleDir}/{fileName}", grants, cgroup, ProcessRlimits.ForRun(limits, RuntimeOpenFiles, FileSizeFloor),
            worker.JailCommand, Jailed: true, CpusRequired: limits.Cpus is not null) { ModuleFolder = folder };

    /// <summary>
    /// What one worker process is confined by, whatever it is for (a run, a compile step).
    /// </summary>
    /// <param name="Module">Host path of the file the worker reads, bound read-only at <paramref name="ModuleInJail"/>; null
    /// when it is copied into <see cref="ModuleFolder"/> later (a pooled worker).</param>
    /// <param name="Command">The worker's argv (inside the jail when <paramref name="Jailed"/>, else on the host).</param>
    /// <param name="Jailed">Bubblewrap and seccomp around the worker; false gives only the cgroup and the rlimits.</param>
    /// <param name="CpusRequired">Fail when no cgroup can enforce <see cref="CgroupLimits.Cpus"/>.</param>
    internal sealed record Confinement(
        string? Module, string ModuleInJail, IReadOnlyList<DirGrant> Grants, CgroupLimits Cgroup, ProcessRlimits Rlimits,
        IReadOnlyList<string> Command, bool Jailed, bool CpusRequired = false)
    {
        /// <summary>A private folder bound read-only at <see cref="JailLayout.ModuleDir"/> (run workers; see <see cref="ModuleFolder"/>).</summary>
        public string? ModuleFolder { get; init; }
    }

    /// <summary>The general form: the steps in order for any <see cref="Confinement"/>; <c>PolicyInJail</c> is left to the caller.</summary>
    internal static Plan Prepare(Confinement what, WorkerBinary worker, string bubblewrap, string name)
    {
        SafeFileHandle? seccomp = what.Jailed ? WorkerSeccompFilter.Export() : null;
        WorkerCgroup? cgroup = null;
        try
        {
            cgroup = WorkerCgroup.Create(name, what.Cgroup);
            if (cgroup is null && what.CpusRequired)
                throw new JailSetupException("--cpus needs the cgroup cpu controller, and this host offers no writable cgroup; run wasmbox doctor");

            var script = LaunchScript.Build(cgroup?.ProcsFiles ?? [], what.Rlimits);
            var argv = new List<string> { "/bin/sh", "-c", script, "sh" };
            if (what.Jailed)
            {
                var spec = new JailSpec(worker.Directory, what.Command, worker.ExtraReadOnly, what.Module, what.ModuleInJail,
                    what.Grants, (int)seccomp!.DangerousGetHandle(), worker.Environment) { ModuleFolder = what.ModuleFolder };
                argv.Add(bubblewrap);
                argv.AddRange(BubblewrapArgs.Build(spec));
            }
            else
            {
                argv.AddRange(what.Command);
            }
            return new Plan
            {
                Argv = argv,
                Inherited = seccomp is null ? [] : [seccomp],
                PolicyInJail = SandboxPolicy.DenyAll,
                ModuleInJail = what.Jailed ? what.ModuleInJail : what.Module ?? "",
                Cgroup = cgroup,
                Seccomp = seccomp,
            };
        }
        catch
        {
            seccomp?.Dispose();
            cgroup?.Dispose();
            throw;
        }
    }
}
