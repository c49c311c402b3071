namespace Wasmbox.Core.Wasm;

/// <summary>
/// Raised by the binary readers when the module bytes do not follow the WebAssembly binary
/// format (truncated data, an over-long LEB128, a section out of order, ...).
/// </summary>
/// <remarks>
/// It never leaves <see cref="WasmGrowInstrumenter.Instrument"/>: the instrumenter turns it into a
/// skip reason and hands back the original bytes, so that Wasmtime reports the problem later
/// with its own, better error message.
/// </remarks>
internal class WasmFormatException : Exception
{
    /// <summary>Creates the exception for a problem found at <paramref name="offset"/>.</summary>
    public WasmFormatException(string message, int offset)
        : base($"{message} (at byte offset 0x{offset:X})")
    {
        Offset = offset;
    }

    /// <summary>Byte offset in the module where the problem was found.</summary>
    public int Offset { get; }
}
