using System.Diagnostics;
using Wasmtime;

namespace Wasmbox.Runtime.Engines;

/// <summary>
/// One background thread per process that advances the epoch of every engine that has a running sandbox with a
/// deadline. Not a thread or timer per sandbox: a thousand sandboxes with timeouts cost one thread that wakes every
/// <see cref="Tick"/>.
/// </summary>
/// <remarks>
/// <para>Overview. Wasmtime checks the engine's epoch counter at function entries and loop headers; when it passes a
/// store's deadline it calls that store's deadline callback. The callback (see <c>Deadline</c>) compares the real elapsed
/// time with the limit and either stops the guest or asks for one more tick. So the precision of a timeout is one tick,
/// whatever the guest does, and a guest with no deadline pays nothing beyond the compiled-in checks.</para>
/// <para>The thread sleeps while no sandbox holds a lease, so an idle process has no wake-ups.</para>
/// </remarks>
public static class EpochTicker
{
    /// <summary>How often the epoch advances while a deadline is pending. A timeout fires at most one tick late.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    private static readonly Lock Gate = new();
    private static readonly Dictionary<Engine, int> Leases = [];
    private static readonly SemaphoreSlim Wake = new(0);
    private static Thread? _thread;

    /// <summary>Keeps the epoch of <paramref name="engine"/> advancing until the returned lease is disposed.</summary>
    public static IDisposable Lease(Engine engine)
    {
        lock (Gate)
        {
            Leases[engine] = Leases.GetValueOrDefault(engine) + 1;
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "wasmbox-epoch" };
                _thread.Start();
            }
            if (Leases.Count == 1 && Leases[engine] == 1) Wake.Release();
        }
        return new LeaseHandle(engine);
    }

    private static void Release(Engine engine)
    {
        lock (Gate)
        {
            if (Leases[engine] == 1) Leases.Remove(engine);
            else Leases[engine]--;
        }
    }

    private static void Run()
    {
        var engines = new List<Engine>();
        while (true)
        {
            lock (Gate)
            {
                engines.Clear();
                engines.AddRange(Leases.Keys);
            }
            if (engines.Count == 0)
            {
                Wake.Wait();
                continue;
            }
            Thread.Sleep(Tick);
            foreach (var engine in engines) engine.IncrementEpoch();
        }
    }

    private sealed class LeaseHandle(Engine engine) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Release(engine);
        }
    }
}

/// <summary>
/// The wall-clock and CPU-time limits of one store, checked whenever the epoch ticks past the store's deadline.
/// </summary>
internal sealed class Deadline
{
    private readonly Stopwatch _clock;
    private readonly TimeSpan? _wall;
    private readonly TimeSpan? _cpu;
    private readonly Func<TimeSpan> _cpuNow;
    private readonly TimeSpan _cpuStart;

    private Deadline(Stopwatch clock, TimeSpan? wall, TimeSpan? cpu, Func<TimeSpan> cpuNow, TimeSpan cpuStart)
    {
        _clock = clock;
        _wall = wall;
        _cpu = cpu;
        _cpuNow = cpuNow;
        _cpuStart = cpuStart;
    }

    /// <summary>Which limit stopped the guest, or null while none has.</summary>
    public Core.Outcomes.LimitKind? Expired { get; private set; }

    /// <summary>Arms the store: every tick calls back, and the callback ends the guest once a limit has passed.</summary>
    /// <param name="cpuNow">The CPU clock that <paramref name="cpu"/> is measured on (the guest's thread, or the worker process).</param>
    /// <param name="cpuStart">The reading of <paramref name="cpuNow"/> that <paramref name="cpu"/> counts from.</param>
    public static Deadline Arm(Store store, Stopwatch clock, TimeSpan? wall, TimeSpan? cpu, Func<TimeSpan> cpuNow, TimeSpan cpuStart)
    {
        var deadline = new Deadline(clock, wall, cpu, cpuNow, cpuStart);
        store.SetEpochDeadline(1);
        store.SetEpochDeadlineCallback(deadline.OnTick);
        return deadline;
    }

    private volatile bool _stopped;

    /// <summary>Ends the guest at the next tick, whatever the limits say (a kill from the caller).</summary>
    public void Stop() => _stopped = true;

    private ulong OnTick(Store store)
    {
        if (_stopped) throw new TimeoutException("stopped");
        if (_wall is { } wall && _clock.Elapsed >= wall) Expired = Core.Outcomes.LimitKind.Timeout;
        else if (_cpu is { } cpu && _cpuNow() - _cpuStart >= cpu) Expired = Core.Outcomes.LimitKind.CpuTime;
        else return 1;
        // Throwing from the callback unwinds the guest; the runner sees a WasmtimeException and checks Expired.
        throw new TimeoutException("time limit reached");
    }
}
