using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Wasmbox.Wasi.State;

/// <summary>
/// Every socket one guest holds, so that another thread can end a guest that is blocked in accept or recv.
/// </summary>
/// <remarks>
/// Why: the engine's deadline stops wasm code, not a host call that waits in the kernel. Closing the socket from the
/// timer's thread is the one portable way to end such a wait (the call then returns and the guest unwinds at its next
/// deadline check). The fd table is not thread-safe, so this registry, and only it, is shared with that thread.
/// </remarks>
public sealed class SocketRegistry
{
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private volatile bool _aborted;

    public void Add(Socket socket)
    {
        _sockets.TryAdd(socket, 0);
        // A socket accepted after the abort must not survive it.
        if (_aborted) socket.Dispose();
    }

    public void Remove(Socket socket) => _sockets.TryRemove(socket, out _);

    /// <summary>Closes every socket; safe from any thread, any number of times.</summary>
    public void AbortAll()
    {
        _aborted = true;
        foreach (var socket in _sockets.Keys) socket.Dispose();
    }
}
