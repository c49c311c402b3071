using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Wasmbox.Core.Protocol;

/// <summary>Writes frames (see <see cref="Frames"/>) to a stream. Thread-safe.</summary>
/// <remarks>
/// Each frame is copied, header and payload together, into one buffer and handed to the stream in ONE <c>Write</c>
/// call under a lock, then the stream is flushed; so frames written from several threads (the stdin pump and the
/// assignment, the runner's result and a watchdog's) never interleave, and a peer never waits on half a frame the writer has finished
/// with. If a write fails the stream may hold part of a frame, so every later write throws too (the peer cannot find
/// the next frame boundary). The writer does not own the stream and never disposes it.
/// </remarks>
public sealed class FrameWriter(Stream stream)
{
    private readonly Stream _stream = stream ?? throw new ArgumentNullException(nameof(stream));
    private readonly Lock _gate = new();
    private Exception? _failed;

    /// <summary>
    /// Writes <paramref name="payload"/> as one frame of <paramref name="type"/>, then flushes. Data payloads
    /// (<see cref="FrameType.Stdin"/>) longer than
    /// <see cref="Frames.MaxPayloadLength"/> are split into several frames of the same type, written back to back
    /// without frames from other threads between them.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown type, or a payload on a type that must be empty.</exception>
    /// <exception cref="ProtocolException">A control payload longer than <see cref="Frames.MaxPayloadLength"/>.</exception>
    /// <exception cref="IOException">The stream failed, now or on an earlier write.</exception>
    public void Write(FrameType type, ReadOnlySpan<byte> payload)
    {
        if (!Frames.IsKnown(type))
            throw new ArgumentException($"unknown frame type {Frames.Name(type)}", nameof(type));
        if (Frames.IsEmpty(type) && !payload.IsEmpty)
            throw new ArgumentException($"a {Frames.Name(type)} frame carries no payload, got {payload.Length} bytes", nameof(payload));
        if (!Frames.IsData(type) && payload.Length > Frames.MaxPayloadLength)
            throw new ProtocolException(
                $"protocol: {Frames.Name(type)} payload of {payload.Length} bytes is above the maximum of {Frames.MaxPayloadLength}");

        lock (_gate)
        {
            if (_failed is not null)
                throw new IOException("protocol: an earlier frame write failed, so the stream is no longer at a frame boundary", _failed);
            try
            {
                do
                {
                    var chunk = payload[..Math.Min(payload.Length, Frames.MaxPayloadLength)];
                    WriteOne(type, chunk);
                    payload = payload[chunk.Length..];
                } while (!payload.IsEmpty);
                _stream.Flush();
            }
            catch (Exception e)
            {
                _failed = e;
                throw;
            }
        }
    }

    /// <summary>Serializes <paramref name="message"/> with <see cref="ProtocolJson"/> and writes it as one frame.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a JSON type (Assign, Hello, Result).</exception>
    public void WriteJson<T>(FrameType type, T message)
    {
        if (!Frames.IsJson(type))
            throw new ArgumentException($"a {Frames.Name(type)} frame does not carry JSON", nameof(type));
        Write(type, ProtocolJson.Serialize(message));
    }

    /// <summary>Writes a <see cref="FrameType.Fatal"/> frame: <paramref name="message"/> as one line of UTF-8 (line breaks become spaces).</summary>
    public void WriteFatal(string message)
    {
        var line = message.ReplaceLineEndings(" ");
        Write(FrameType.Fatal, Encoding.UTF8.GetBytes(line));
    }

    private void WriteOne(FrameType type, ReadOnlySpan<byte> payload)
    {
        var total = Frames.HeaderLength + 1 + payload.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)(payload.Length + 1));
            buffer[Frames.HeaderLength] = (byte)type;
            payload.CopyTo(buffer.AsSpan(Frames.HeaderLength + 1));
            _stream.Write(buffer, 0, total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
