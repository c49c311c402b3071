using System.Runtime.InteropServices;

namespace Wasmbox.Cli;

/// <summary>
/// SIGTERM, SIGINT and SIGHUP sent to <c>wasmbox run</c>: instead of dying at once (and leaving the worker's cgroup
/// directories and unreaped bubblewrap processes behind), wasmbox cancels <see cref="Token"/>, which kills the worker's
/// cgroup; the run then ends as usual, cleans up, writes its report and exits with 128 + the signal.
/// </summary>
/// <remarks>
/// In-process (tier none) there is no worker to kill and a guest in wasm cannot be interrupted from another thread
/// without epoch checks, so <paramref name="inProcess"/> is called instead: it writes the report and exits the process.
/// </remarks>
internal sealed class SignalStop : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signal;

    public SignalStop()
    {
        if (OperatingSystem.IsWindows()) return;
        foreach (var (signal, number) in new[] { (PosixSignal.SIGTERM, 15), (PosixSignal.SIGINT, 2), (PosixSignal.SIGHUP, 1) })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                // Why cancel the default: the runtime would exit at once; we exit after the cleanup instead.
                context.Cancel = true;
                if (Interlocked.CompareExchange(ref _signal, number, 0) != 0) return;
                if (InProcess is { } exit) exit(number);
                else _cancel.Cancel();
            }));
        }
    }

    /// <summary>Cancelled at the first of the signals.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The signal received, if any.</summary>
    public int? Signal => Volatile.Read(ref _signal) is var s and > 0 ? s : null;

    /// <summary>Set while a guest runs in this process: what to do at a signal instead of cancelling <see cref="Token"/>.</summary>
    public Action<int>? InProcess { get; set; }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _cancel.Dispose();
    }
}
