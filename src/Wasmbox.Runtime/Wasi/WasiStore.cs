using System.Diagnostics;
using System.Text;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Host;
using Wasmbox.Wasi.Memory;
using Wasmbox.Wasi.Tracing;
using Wasmtime;

namespace Wasmbox.Runtime.Wasi;

/// <summary>What a store carries for Wasmbox's WASI: the host, the guest's memory export, and the trace sink.</summary>
internal sealed class WasiStore(WasiHost host, IWasiTraceSink? trace)
{
    private Wasmtime.Memory? _memory;

    public WasiHost Host { get; } = host;

    public bool Tracing => trace is not null;

    public static WasiStore Of(Caller caller) => (WasiStore)caller.GetData()!;

    /// <summary>
    /// The guest memory for this call. The <see cref="Wasmtime.Memory"/> object is looked up once (it stays valid when
    /// memory grows; 120–170 ns saved per call), but its address and length are read on every call, because growth may
    /// move it.
    /// </summary>
    public unsafe GuestMemory Memory(Caller caller)
    {
        _memory ??= caller.GetMemory("memory");
        if (_memory is null) return new GuestMemory(null, 0);
        var length = _memory.GetLength();
        MemoryBytesSeen = length;
        return new GuestMemory((byte*)_memory.GetPointer(), (ulong)length);
    }

    /// <summary>The memory's size at the latest call, for live stats read from another thread (see <c>GuestCounters</c>).</summary>
    public long MemoryBytesSeen { get; private set; }

    public void Trace(string name, string arguments, Errno result, long startedTimestamp)
    {
        var elapsed = startedTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(startedTimestamp);
        trace?.OnCall(new WasiCallEvent(name, arguments, result, elapsed, Host.TakeRefusal()));
    }
}

/// <summary>Formats arguments for the trace.</summary>
internal static class Trace
{
    /// <summary>A path argument as a quoted string, or a note when it cannot be read.</summary>
    public static string Path(GuestMemory memory, uint ptr, uint len)
    {
        if ((ulong)ptr + len > memory.Length) return $"<{len} bytes at 0x{ptr:x}: out of bounds>";
        return "\"" + Encoding.UTF8.GetString(memory.Slice(ptr, Math.Min(len, 4096u))) + "\"";
    }
}
