using System.Text;

namespace Wasmbox.Core.Protocol;

/// <summary>One frame as read by <see cref="FrameReader"/>.</summary>
/// <param name="Type">What the payload is.</param>
/// <param name="Payload">The bytes after the type byte.</param>
/// <remarks>A payload from <see cref="FrameReader.Read"/> borrows the reader's buffer: it is valid only until the next read. Copy it to keep it.</remarks>
public readonly record struct Frame(FrameType Type, ReadOnlyMemory<byte> Payload)
{
    /// <summary>The payload as UTF-8 text (for <see cref="FrameType.Fatal"/>); invalid bytes become U+FFFD.</summary>
    public string ReadText() => Encoding.UTF8.GetString(Payload.Span);

    /// <summary>The payload as a JSON message; throws <see cref="ProtocolException"/> when it is not a valid <typeparamref name="T"/>.</summary>
    public T ReadJson<T>() => ProtocolJson.Deserialize<T>(Payload.Span);
}
