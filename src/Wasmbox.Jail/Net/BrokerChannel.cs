using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Core.Net.Interop;
using Wasmbox.Core.Policy;

namespace Wasmbox.Jail.Net;

/// <summary>
/// The socket pair between one jailed worker and its <see cref="NetBroker"/>: the broker serves one end from the moment
/// the pair exists, the worker inherits the other as <see cref="WorkerFd"/>.
/// </summary>
/// <remarks>
/// Both ends are made close-on-exec; the launcher clears it on the worker's end under the spawn lock, like a listener's.
/// After the spawn the parent closes its copy of the worker's end (<see cref="Spawned"/>): otherwise the broker would
/// never see end of file when the worker dies, and would serve on until the run's end.
/// </remarks>
public sealed class BrokerChannel : IDisposable
{
    private BrokerChannel(SafeFileHandle workerEnd, NetBroker broker)
    {
        WorkerEnd = workerEnd;
        WorkerFd = (int)workerEnd.DangerousGetHandle();
        Broker = broker;
    }

    /// <summary>Makes the pair and starts the broker on the parent's end.</summary>
    /// <exception cref="JailSetupException">socketpair failed (out of descriptors).</exception>
    public static BrokerChannel Open(NetPolicy policy, NetBrokerOptions? options = null)
    {
        var errno = UnixRights.SocketPair(out var parentFd, out var workerFd);
        if (errno != 0) throw new JailSetupException($"cannot make the network broker's socket pair: errno {errno}; raise the open-file limit");
        var workerEnd = new SafeFileHandle(workerFd, ownsHandle: true);
        try
        {
            var parentEnd = new Socket(new SafeSocketHandle(parentFd, ownsHandle: true));
            return new BrokerChannel(workerEnd, NetBroker.Start(parentEnd, policy, options));
        }
        catch
        {
            workerEnd.Dispose();
            throw;
        }
    }

    /// <summary>The worker's end, to inherit (its number is <see cref="WorkerFd"/> in the worker too).</summary>
    public SafeFileHandle WorkerEnd { get; }

    /// <summary>The worker's end as a descriptor number, for <c>WorkerAssignment.BrokerFd</c>; still valid after <see cref="Spawned"/>.</summary>
    public int WorkerFd { get; }

    public NetBroker Broker { get; }

    /// <summary>The worker has its copy: closes the parent's, so that the worker's exit ends the broker.</summary>
    public void Spawned() => WorkerEnd.Dispose();

    public void Dispose()
    {
        WorkerEnd.Dispose();
        Broker.Dispose();
    }
}
