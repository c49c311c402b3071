using System.Diagnostics;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Delegation;

/// <summary>
/// Hands a container that is not wasm to runc (<c>--delegate PATH</c>, default <c>/usr/bin/runc</c>): the same
/// subcommand and arguments, the caller's global flags, stdio and descriptors, and a state root of its own
/// (<see cref="State.StateStore.DelegateRoot"/>). Its exit status is ours. A pod's pause container comes this way.
/// </summary>
/// <remarks>
/// Why a child and not exec: .NET cannot exec in place. runc's <c>create</c> forks the container's init itself and
/// exits, so the init still descends from our caller, as conmon and the shim need.
/// </remarks>
internal static class RuncDelegate
{
    /// <summary>True when runc's state root holds the container <paramref name="id"/>.</summary>
    public static bool Owns(OciContext context, string id) =>
        Directory.Exists(Path.Combine(context.Store.DelegateRoot, id));

    public static int Run(OciContext context, string command, IReadOnlyList<string> args, string why)
    {
        var runc = context.Global.Delegate;
        if (!File.Exists(runc))
            throw new OciException($"this container is not wasm ({why}), so it needs runc, which is not at {runc}; install runc (apt-get install runc) or pass --delegate PATH");
        context.Log.Info($"{command}: handing the container to {runc} ({why})");
        var start = new ProcessStartInfo(runc) { UseShellExecute = false };
        start.ArgumentList.Add("--root");
        start.ArgumentList.Add(context.Store.DelegateRoot);
        foreach (var a in context.Global.Passed) start.ArgumentList.Add(a);
        start.ArgumentList.Add(command);
        foreach (var a in args) start.ArgumentList.Add(a);
        Directory.CreateDirectory(context.Store.DelegateRoot);
        using var process = Process.Start(start) ?? throw new OciException($"cannot start {runc}");
        process.WaitForExit();
        return process.ExitCode;
    }
}
