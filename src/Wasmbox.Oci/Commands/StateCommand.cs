using System.Text.Json;
using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Delegation;
using Wasmbox.Oci.State;

namespace Wasmbox.Oci.Commands;

/// <summary><c>state ID</c>: the OCI state JSON. A container whose process has exited (or is a zombie) is stopped, with pid 0 as runc prints it.</summary>
internal static class StateCommand
{
    public const string OciVersion = "1.1.0";

    public static int Run(OciContext context, IReadOnlyList<string> args)
    {
        var id = new ArgReader(args, "state", new Dictionary<string, string[]>(), new Dictionary<string, string[]>()).Id("state");
        var state = ContainerLookup.Find(context, id, out var delegated);
        if (delegated) return RuncDelegate.Run(context, "state", args, "a runc container");
        if (state is null) throw new OciException($"container {id} does not exist");
        var status = Liveness.StatusOf(state);
        var view = new OciStateView(OciVersion, state.Id, status == "stopped" ? 0 : state.Pid, status, state.Bundle, state.Rootfs,
            state.Created, Environment.UserName, state.Annotations);
        context.Stdout.WriteLine(JsonSerializer.Serialize(view, StateJson.Default.OciStateView));
        return 0;
    }
}
