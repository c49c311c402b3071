using Wasmbox.Core.Policy;
using Wasmbox.Core.Protocol;
using Wasmbox.Wasi.Net;

namespace Wasmbox.Worker;

/// <summary>Which <see cref="ISocketOpener"/> the worker's run gets.</summary>
internal static class NetOpenerChoice
{
    /// <summary>
    /// The broker's opener when the parent handed over a channel (the jail tier with <c>--allow-net</c> rules); otherwise
    /// null, and the WASI host opens sockets in this process (the process tier, which has the host's network).
    /// </summary>
    /// <param name="skipNetCheck">Test builds only: the WASI host leaves every decision to the opener.</param>
    public static ISocketOpener? For(WorkerAssignment assignment, SandboxPolicy policy, out bool skipNetCheck)
    {
        skipNetCheck = false;
#if TEST_HOOKS
        skipNetCheck = Core.Net.NetTestHooks.IsOn(Core.Net.NetTestHooks.SkipNetCheck);
        if (Core.Net.NetTestHooks.IsOn(Core.Net.NetTestHooks.DirectNet)) return new DirectSocketOpener(policy.Net);
#else
        _ = policy;
#endif
        return assignment.BrokerFd is { } fd ? new BrokeredSocketOpener(fd) : null;
    }
}
