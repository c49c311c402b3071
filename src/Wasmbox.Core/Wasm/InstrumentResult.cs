namespace Wasmbox.Core.Wasm;

/// <summary>
/// Outcome of <see cref="WasmGrowInstrumenter.Instrument"/>: the module to compile, and whether
/// it carries the grow-refusal counters.
/// </summary>
/// <remarks>
/// A skipped module is not an error: it is returned byte for byte and runs as before; only the
/// report loses the "memory limit refused a growth" signal, and <see cref="SkipReason"/> says why.
/// </remarks>
public sealed class InstrumentResult
{
    private InstrumentResult(bool instrumented, byte[] bytes, string? skipReason, int growSitesReplaced)
    {
        Instrumented = instrumented;
        Bytes = bytes;
        SkipReason = skipReason;
        GrowSitesReplaced = growSitesReplaced;
    }

    /// <summary>True when <see cref="Bytes"/> is the rewritten module exporting the two counter globals.</summary>
    public bool Instrumented { get; }

    /// <summary>The module to compile: rewritten when <see cref="Instrumented"/>, otherwise a copy of the input.</summary>
    public byte[] Bytes { get; }

    /// <summary>Why the module was left alone; null when it was instrumented.</summary>
    public string? SkipReason { get; }

    /// <summary>How many <c>memory.grow</c> instructions on memory 0 now call the hook.</summary>
    public int GrowSitesReplaced { get; }

    internal static InstrumentResult Rewritten(byte[] bytes, int growSitesReplaced) =>
        new(true, bytes, null, growSitesReplaced);

    internal static InstrumentResult Skipped(ReadOnlySpan<byte> original, string reason) =>
        new(false, original.ToArray(), reason, 0);

    /// <inheritdoc />
    public override string ToString() =>
        Instrumented ? $"instrumented ({GrowSitesReplaced} memory.grow sites)" : $"not instrumented: {SkipReason}";
}
