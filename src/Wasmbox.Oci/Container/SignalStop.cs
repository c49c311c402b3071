using System.Runtime.InteropServices;

namespace Wasmbox.Oci.Container;

/// <summary>
/// SIGTERM, SIGINT and SIGHUP sent to the container process (<c>kill ID</c>, <c>podman stop</c>): before <c>start</c>
/// the process just exits with 128 + the signal; while the guest runs, <see cref="Token"/> is cancelled, which kills
/// the worker's cgroup, and the process exits with 128 + the signal once the worker, its cgroup and its folder are gone.
/// </summary>
/// <remarks>
/// Why not the default action: dying at once would leave the worker to <c>bwrap --die-with-parent</c> and its cgroup
/// folder behind. SIGKILL cannot be caught; then only <c>--die-with-parent</c> stops the worker.
/// </remarks>
internal sealed class SignalStop : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signal;

    public SignalStop()
    {
        foreach (var (signal, number) in new[] { (PosixSignal.SIGTERM, 15), (PosixSignal.SIGINT, 2), (PosixSignal.SIGHUP, 1) })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                if (Interlocked.CompareExchange(ref _signal, number, 0) != 0) return;
                // Nothing runs yet: no worker, no cgroup. The state folder stays for delete, as runc's does.
                if (BeforeStart) Environment.Exit(128 + number);
                _cancel.Cancel();
            }));
        }
    }

    /// <summary>True while the process waits for <c>start</c>: a signal then ends it at once.</summary>
    public volatile bool BeforeStart;

    public CancellationToken Token => _cancel.Token;

    public int? Signal => Volatile.Read(ref _signal) is var s and > 0 ? s : null;

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _cancel.Dispose();
    }
}
