namespace Wasmbox.Core.Protocol;

/// <summary>
/// A malformed frame or message: truncated header or payload, a length of 0 or above the maximum, an unknown frame type,
/// JSON that does not parse or misses a required field, an invalid value, a version mismatch.
/// </summary>
/// <remarks>
/// The message is one line starting with <c>protocol: </c> that says what was wrong, e.g.
/// "protocol: truncated frame: expected 1200 bytes of payload, got 17 before end of stream". The side that reads it
/// stops talking to the other: after a protocol error the stream cannot be trusted to be at a frame boundary.
/// </remarks>
public sealed class ProtocolException(string message, Exception? inner = null) : Exception(message, inner);
