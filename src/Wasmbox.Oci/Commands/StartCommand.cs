using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Container;
using Wasmbox.Oci.Delegation;
using Wasmbox.Oci.State;

namespace Wasmbox.Oci.Commands;

/// <summary><c>start ID</c>: releases a created container. Prints nothing: podman runs it with its own stdio.</summary>
internal static class StartCommand
{
    public static int Run(OciContext context, IReadOnlyList<string> args)
    {
        var id = new ArgReader(args, "start", new Dictionary<string, string[]>(), new Dictionary<string, string[]>()).Id("start");
        var state = ContainerLookup.Find(context, id, out var delegated);
        if (delegated) return RuncDelegate.Run(context, "start", args, "a runc container");
        if (state is null) throw new OciException($"container {id} does not exist");
        var status = Liveness.StatusOf(state);
        if (status != "created") throw new OciException($"cannot start container {id}: it is {status}, not created");
        StartGate.Release(Path.Combine(context.Store.DirOf(id), StateStore.StartFifo), id);
        context.Store.Write(state with { Status = "running" });
        return 0;
    }
}
