using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Delegation;
using Wasmbox.Oci.Interop;
using Wasmbox.Oci.State;

namespace Wasmbox.Oci.Commands;

/// <summary>
/// <c>delete [--force|-f] ID</c>: removes a stopped container's state. <c>--force</c> stops a live one first and
/// succeeds for an id that does not exist, because containerd deletes every container twice.
/// </summary>
internal static class DeleteCommand
{
    /// <summary>How long a forced delete gives the container process to clean up after SIGTERM before SIGKILL.</summary>
    private static readonly TimeSpan GraceLimit = TimeSpan.FromSeconds(2);

    /// <summary>How long it waits for the process to be gone after SIGKILL.</summary>
    private static readonly TimeSpan KillLimit = TimeSpan.FromSeconds(5);

    public static int Run(OciContext context, IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args, "delete", new Dictionary<string, string[]>(), new Dictionary<string, string[]> { ["force"] = ["f"] });
        var id = reader.Id("delete");
        var force = reader.Has("force");
        var state = ContainerLookup.Find(context, id, out var delegated);
        if (delegated) return RuncDelegate.Run(context, "delete", args, "a runc container");
        if (state is null)
        {
            if (force) return 0;
            throw new OciException($"container {id} does not exist");
        }
        if (Liveness.IsAlive(state))
        {
            if (!force) throw new OciException($"cannot delete container {id}: it is {state.Status}; stop it first (kill) or use delete --force");
            Stop(state);
        }
        // A container process that was killed (SIGKILL) could not remove its cgroup; it is empty now.
        Container.ContainerCgroup.RemoveLeftovers(state.CgroupDirs);
        context.Store.Remove(id);
        return 0;
    }

    /// <summary>
    /// SIGTERM first, so the container process kills its worker's cgroup and removes it (runc sends SIGKILL at once; a
    /// killed container process would leave the worker's cgroup folder behind), then SIGKILL to all that is left.
    /// </summary>
    private static void Stop(ContainerState state)
    {
        Libc.Kill(state.Pid, 15);
        if (WaitGone(state, GraceLimit)) return;
        var below = Liveness.Descendants(state.Pid);
        Libc.Kill(state.Pid, 9);
        foreach (var pid in below) Libc.Kill(pid, 9);
        if (!WaitGone(state, KillLimit))
            throw new OciException($"container {state.Id}'s process {state.Pid} survived SIGKILL for {KillLimit.TotalSeconds} s; try again");
    }

    private static bool WaitGone(ContainerState state, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (Liveness.IsAlive(state))
        {
            if (DateTime.UtcNow > until) return false;
            Thread.Sleep(10);
        }
        return true;
    }
}
