using System.Runtime.InteropServices;
using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Delegation;
using Wasmbox.Oci.Interop;
using Wasmbox.Oci.State;

namespace Wasmbox.Oci.Commands;

/// <summary>
/// <c>kill [--all|-a] ID [SIGNAL]</c> (default SIGTERM): signals the container process, which stops the guest and
/// cleans up for SIGTERM, SIGINT and SIGHUP (see <c>Container.SignalStop</c>). With <c>--all</c> the worker and
/// everything else below the container process is signalled too, and a stopped container is not an error (runc
/// 1.1.5 does the same; containerd's shim calls <c>kill --all ID 9</c> after the container has exited).
/// </summary>
internal static class KillCommand
{
    public static int Run(OciContext context, IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args, "kill", new Dictionary<string, string[]>(), new Dictionary<string, string[]> { ["all"] = ["a"] });
        var id = reader.Id("kill", maxPositional: 2);
        var state = ContainerLookup.Find(context, id, out var delegated);
        if (delegated) return RuncDelegate.Run(context, "kill", args, "a runc container");
        var signal = Signals.Parse(reader.Positional.Count > 1 ? reader.Positional[1] : "TERM");
        if (state is null) throw new OciException($"container {id} does not exist");
        var all = reader.Has("all");
        if (!Liveness.IsAlive(state))
        {
            if (all) return 0;
            throw new OciException($"cannot kill container {id}: it is not running");
        }
        var below = all ? Liveness.Descendants(state.Pid) : [];
        Send(state.Pid, signal, id);
        foreach (var pid in below) Libc.Kill(pid, signal);
        return 0;
    }

    private static void Send(int pid, int signal, string id)
    {
        if (Libc.Kill(pid, signal) == 0) return;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Libc.ESRCH) throw new OciException($"cannot kill container {id}: it is not running");
        throw new OciException($"cannot signal container {id} (kill: errno {errno})");
    }
}
