using System.IO.Pipes;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Caching;
using Wasmbox.Jail;
using Wasmbox.Launch;
using Wasmbox.Oci.Bundle;
using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Interop;
using Wasmbox.Oci.State;

namespace Wasmbox.Oci.Container;

/// <summary>
/// The container process: <c>wasmbox-oci --root R __container ID FD</c>, started by <c>create</c>. Its pid is the one
/// in the pid file, and its exit status is the container's.
/// </summary>
/// <remarks>
/// In order:
/// 1. a session of its own, so that the caller's terminal and process group signals do not reach it;
/// 2. the bundle read again from the state (create already checked it) and turned into the sandbox's plan; with a
///    network namespace given by path, a check that this process is in it (create started it there, see
///    <see cref="ContainerSpawner"/>), so the network broker's sockets are the pod's;
/// 3. the container's cgroup (linux.cgroupsPath) made or joined with its limits (<see cref="ContainerCgroup"/>), so
///    conmon, which reads /proc/PID/cgroup as soon as create returns, watches the right one;
/// 4. the start FIFO opened, the state written with its pid, cgroup and status created, "ready" on the pipe FD;
/// 5. blocked until <c>start</c> (a SIGTERM, SIGINT or SIGHUP meanwhile ends it with 128 + the signal);
/// 6. the guest run through <see cref="SandboxLauncher"/>: the caller's stdio is the guest's, SIGTERM, SIGINT and
///    SIGHUP kill the worker (its cgroup) and end this process with 128 + the signal once everything is cleaned up;
/// 7. the container's cgroup left and removed (also when a signal ends the process before start), then exit with the
///    guest's status, by <c>wasmbox run</c>'s table (<see cref="RunOutcome.ExitStatus"/>).
/// </remarks>
internal static class ContainerProcess
{
    public static int Run(GlobalOptions global, OciLog log, string id, string readyFd)
    {
        AnonymousPipeClientStream ready;
        try { ready = new AnonymousPipeClientStream(PipeDirection.Out, readyFd); }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            log.Error($"{ContainerSpawner.HiddenCommand} is started by create only ({e.Message})");
            return RunOutcome.SetupFailedStatus;
        }
        var store = new StateStore(global.Root);
        ContainerPlan plan;
        ContainerCgroup? cgroup = null;
        int gate;
        string fifo;
        using var signals = new SignalStop();
        using (ready)
        {
            try
            {
                // Why not a child of the caller's session: conmon and shells send job-control signals to process groups.
                Libc.Setsid();
                // With process.terminal, stdio is the pty's slave: make it this session's controlling terminal, as runc does.
                ConsoleTerminal.TakeAsControllingTerminal();
                FdHygiene.SetCloseOnExec(int.Parse(readyFd, System.Globalization.CultureInfo.InvariantCulture), true);
                var state = store.Read(id);
                var bundle = BundleReader.Read(state.Bundle);
                plan = PolicyMapping.Map(bundle);
                // create started this process inside the namespace; a mismatch would put the guest's sockets elsewhere.
                if (NamespacePaths.NetworkPath(bundle.Config) is { } netns && !NamespacePaths.IsCurrentNetwork(netns))
                    throw new OciException($"the container process is not in the network namespace {netns} it was started in; refusing to run the guest outside it");
                cgroup = ContainerCgroup.Join(bundle.Config.Linux?.CgroupsPath, bundle.Config.Linux?.Resources);
                if (cgroup is not null)
                {
                    // Environment.Exit (a signal before start) runs ProcessExit handlers: the cgroup goes then too.
                    var leave = cgroup;
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => leave.Dispose();
                }
                fifo = Path.Combine(store.DirOf(id), StateStore.StartFifo);
                gate = StartGate.Open(fifo);
                var pid = Environment.ProcessId;
                store.Write(state with { Pid = pid, PidStartTime = Liveness.StartTime(pid) ?? 0, Status = "created", CgroupDirs = [.. cgroup?.Made ?? []] });
                signals.BeforeStart = true;
                Report(ready, "ready");
            }
            catch (Exception e) when (e is OciException or IOException or UnauthorizedAccessException or JailSetupException)
            {
                cgroup?.Dispose();
                Report(ready, OciLog.OneLine(e.Message));
                return RunOutcome.SetupFailedStatus;
            }
        }

        StartGate.Wait(gate, fifo);
        signals.BeforeStart = false;
        if (signals.Signal is { } early)
        {
            cgroup?.Dispose();
            return 128 + early;
        }

        var result = SandboxLauncher.Run(new LaunchRequest(plan.ModuleFile, plan.Args, plan.Policy)
        {
            Argv0 = plan.Argv0,
            Trace = plan.Trace,
            Cache = new ModuleCache(store.CacheDir),
            Notice = log.Warning,
        }, signals.Token);
        if (signals.Signal is { } signal) result = result with { Outcome = RunOutcome.StoppedBySignal(signal) };
        if (result.Outcome.Kind != OutcomeKind.Exited) log.Error(result.Outcome.Message);
        cgroup?.Dispose();
        return result.Outcome.ExitStatus;
    }

    private static void Report(Stream pipe, string line)
    {
        try
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
            pipe.Write(bytes);
            pipe.Flush();
        }
        catch (IOException) { }
    }
}
