using System.Globalization;
using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Tracing;

/// <summary>
/// <c>--trace</c>: one line per WASI call, <c>[wasi] name(args) = ERRNO (12 µs)</c>, with the policy's reason when it
/// refused the call. Written to stderr by the CLI, after each call returns, so it interleaves with the guest's own
/// stderr in the order things happened.
/// </summary>
public sealed class TextTraceSink(TextWriter writer) : IWasiTraceSink
{
    public void OnCall(WasiCallEvent call)
    {
        var micros = call.Elapsed.Ticks / (TimeSpan.TicksPerMillisecond / 1000.0);
        var refused = call.Refusal is null ? "" : $" [refused: {call.Refusal}]";
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[wasi] {call.Name}({call.Arguments}) = {call.Result.Name()} ({micros:0.#} µs){refused}"));
        writer.Flush();
    }
}

/// <summary>Keeps every call in memory, for the library and the tests.</summary>
public sealed class RecordingTraceSink : IWasiTraceSink
{
    private readonly List<WasiCallEvent> _calls = [];

    public IReadOnlyList<WasiCallEvent> Calls => _calls;

    public void OnCall(WasiCallEvent call) => _calls.Add(call);
}
