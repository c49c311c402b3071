using System.Text.Json;
using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Delegation;
using Wasmbox.Oci.State;

namespace Wasmbox.Oci.Commands;

/// <summary>
/// <c>ps [--format table|json] ID</c>: the container's processes, the container process and everything below it (bwrap,
/// the worker). <c>json</c> is a JSON array of pids, as containerd's <c>task ps</c> reads it; a stopped container has none.
/// </summary>
internal static class PsCommand
{
    public static int Run(OciContext context, IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args, "ps", new Dictionary<string, string[]> { ["format"] = ["f"] }, new Dictionary<string, string[]>());
        var id = reader.Id("ps");
        var state = ContainerLookup.Find(context, id, out var delegated);
        if (delegated) return RuncDelegate.Run(context, "ps", args, "a runc container");
        if (state is null) throw new OciException($"container {id} does not exist");
        var pids = Liveness.IsAlive(state) ? [state.Pid, .. Liveness.Descendants(state.Pid)] : new List<int>();
        switch (reader.Value("format") ?? "table")
        {
            case "json":
                context.Stdout.WriteLine(JsonSerializer.Serialize(pids.ToArray(), StateJson.Default.Int32Array).Replace("\n", "").Replace(" ", ""));
                break;
            case "table":
                context.Stdout.WriteLine("PID");
                foreach (var pid in pids) context.Stdout.WriteLine(pid);
                break;
            case var other:
                throw new OciException($"ps: --format '{other}': write table or json");
        }
        return 0;
    }
}
