using Wasmbox.Core.Outcomes;

namespace Wasmbox.Runtime;

/// <summary>
/// A window on a running guest's own counters (<see cref="GuestCounters"/>), readable from any thread while
/// <see cref="Sandbox.Run"/> runs it: the worker answers its parent's usage questions from here.
/// </summary>
/// <remarks>
/// The run binds a reader when the guest's instance exists and unbinds it before its store is disposed; <see cref="Read"/>
/// and the unbinding take the same lock, so a read never touches a store that is gone. The reader itself touches only
/// counters the WASI host keeps in plain fields and the store's fuel (fixed fields of the store, never its tables): see
/// <see cref="GuestCounters"/> for why.
/// </remarks>
public sealed class LiveCounters
{
    private readonly Lock _gate = new();
    private Func<GuestCounters>? _reader;

    /// <summary>The guest's counters now; null before its instance exists and after its run ended.</summary>
    public GuestCounters? Read()
    {
        lock (_gate) return _reader?.Invoke();
    }

    internal Binding Bind(Func<GuestCounters> reader)
    {
        lock (_gate) _reader = reader;
        return new Binding(this);
    }

    internal readonly struct Binding(LiveCounters owner) : IDisposable
    {
        public void Dispose()
        {
            if (owner is null) return; // default: nothing was bound
            lock (owner._gate) owner._reader = null;
        }
    }
}
