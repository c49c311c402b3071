using System.Buffers.Binary;

namespace Wasmbox.Core.Protocol;

/// <summary>Reads frames (see <see cref="Frames"/>) from a stream, blocking until each one is whole.</summary>
/// <remarks>
/// Not thread-safe: one reader per stream, read from one thread. The reader does not own the stream and never disposes it.
/// A claimed length is checked before any memory is set aside for it, and the payload buffer grows only as bytes
/// actually arrive, so a peer that claims 16 MiB and sends nothing costs nothing.
/// </remarks>
public sealed class FrameReader(Stream stream)
{
    /// <summary>First size of the payload buffer, and the step it grows by at least.</summary>
    private const int InitialBuffer = 64 * 1024;

    private readonly Stream _stream = stream ?? throw new ArgumentNullException(nameof(stream));
    private readonly byte[] _header = new byte[Frames.HeaderLength];
    private byte[] _buffer = [];

    /// <summary>
    /// Reads the next frame. Returns null on a clean end of stream at a frame boundary; throws
    /// <see cref="ProtocolException"/> on anything else (truncation, a bad length, an unknown type, a payload on an empty type).
    /// </summary>
    /// <remarks>The returned payload lives in a buffer this reader reuses: it is valid only until the next call.</remarks>
    /// <exception cref="IOException">The stream itself failed.</exception>
    public Frame? Read()
    {
        var got = Fill(_header, 0, Frames.HeaderLength);
        if (got == 0) return null;
        if (got < Frames.HeaderLength)
            throw new ProtocolException($"protocol: truncated frame header: got {got} of {Frames.HeaderLength} bytes before end of stream");

        var length = BinaryPrimitives.ReadUInt32LittleEndian(_header);
        if (length == 0)
            throw new ProtocolException("protocol: frame of length 0: every frame has at least its type byte");
        if (length > Frames.MaxFrameLength)
            throw new ProtocolException($"protocol: frame of length {length} is above the maximum of {Frames.MaxFrameLength}");

        var typeByte = _stream.ReadByte();
        if (typeByte < 0)
            throw new ProtocolException($"protocol: truncated frame: length {length}, but the stream ended before the frame type");
        var type = (FrameType)typeByte;
        if (!Frames.IsKnown(type))
            throw new ProtocolException($"protocol: unknown frame type 0x{typeByte:X2} (frame length {length})");

        var payloadLength = (int)length - 1;
        if (payloadLength > 0 && Frames.IsEmpty(type))
            throw new ProtocolException($"protocol: {Frames.Name(type)} frame must be empty, but it has {payloadLength} bytes of payload");

        var read = 0;
        while (read < payloadLength)
        {
            if (read == _buffer.Length)
                Array.Resize(ref _buffer, (int)Math.Min(payloadLength, Math.Max(InitialBuffer, 2L * _buffer.Length)));
            var n = _stream.Read(_buffer, read, Math.Min(_buffer.Length, payloadLength) - read);
            if (n == 0)
                throw new ProtocolException(
                    $"protocol: truncated frame: expected {payloadLength} bytes of payload, got {read} before end of stream");
            read += n;
        }
        return new Frame(type, new ReadOnlyMemory<byte>(_buffer, 0, payloadLength));
    }

    /// <summary>Reads until <paramref name="count"/> bytes or end of stream; returns how many arrived.</summary>
    private int Fill(byte[] buffer, int offset, int count)
    {
        var read = 0;
        while (read < count)
        {
            var n = _stream.Read(buffer, offset + read, count - read);
            if (n == 0) break;
            read += n;
        }
        return read;
    }
}
