namespace Wasmbox.Core.Protocol;

/// <summary>Constants and helpers of the parent–worker protocol (docs/RATIONALE.md, "Why length-prefixed binary frames …?").</summary>
/// <remarks>
/// A frame is a 4-byte little-endian unsigned length N, then N bytes: one <see cref="FrameType"/> byte, then N − 1 bytes
/// of payload. 1 ≤ N ≤ <see cref="MaxFrameLength"/>. Control payloads are UTF-8 JSON with snake_case names
/// (<see cref="ProtocolJson"/>); data payloads (stdin) are raw bytes. The guest's output does not travel in frames:
/// the worker writes it to descriptors of its own (<see cref="WorkerAssignment.StdoutFd"/>).
/// </remarks>
public static class Frames
{
    /// <summary>The version both sides must speak; carried in <see cref="WorkerHello"/> and <see cref="WorkerAssignment"/>.</summary>
    /// <remarks>3: the policy carries <c>allow_net</c> and the net limits, the result its <c>net</c> usage.
    /// 4: <see cref="FrameType.UsageAsk"/>, <see cref="FrameType.Usage"/> and <see cref="FrameType.Refused"/>; the result carries its <c>io</c>.</remarks>
    public const int ProtocolVersion = 4;

    /// <summary>Largest N (type byte + payload): 16 MiB of payload plus the type byte.</summary>
    public const int MaxFrameLength = 16 * 1024 * 1024 + 1;

    /// <summary>Largest payload of one frame (<see cref="MaxFrameLength"/> − 1). Longer data is split by <see cref="FrameWriter"/>.</summary>
    public const int MaxPayloadLength = MaxFrameLength - 1;

    /// <summary>Size of the length prefix.</summary>
    public const int HeaderLength = 4;

    /// <summary>True for the values listed in <see cref="FrameType"/>.</summary>
    public static bool IsKnown(FrameType type) => type switch
    {
        FrameType.Assign or FrameType.Stdin or FrameType.StdinEnd or FrameType.Stop or FrameType.UsageAsk
            or FrameType.Hello or FrameType.Started or FrameType.Result or FrameType.Fatal or FrameType.OutputClosed or FrameType.Usage or FrameType.Refused => true,
        _ => false,
    };

    /// <summary>Types whose payload is raw guest bytes; only these may be split across frames.</summary>
    public static bool IsData(FrameType type) => type is FrameType.Stdin;

    /// <summary>Types whose payload must be empty.</summary>
    public static bool IsEmpty(FrameType type) => type is FrameType.StdinEnd or FrameType.Stop or FrameType.UsageAsk or FrameType.Started or FrameType.OutputClosed;

    /// <summary>Types whose payload is a JSON message.</summary>
    public static bool IsJson(FrameType type) => type is FrameType.Assign or FrameType.Hello or FrameType.Result or FrameType.Usage or FrameType.Refused;

    /// <summary>The name used in messages: <c>Assign</c>, <c>Stdin</c>, or <c>0x7F</c> for an unknown value.</summary>
    public static string Name(FrameType type) => IsKnown(type) ? type.ToString() : $"0x{(byte)type:X2}";

    /// <summary>Throws <see cref="ProtocolException"/> unless <paramref name="version"/> is <see cref="ProtocolVersion"/>.</summary>
    /// <param name="version">The version the other side announced.</param>
    /// <param name="peer">Who announced it, for the message: "the worker", "the parent".</param>
    public static void RequireVersion(int version, string peer)
    {
        if (version != ProtocolVersion)
            throw new ProtocolException(
                $"protocol: version mismatch: {peer} speaks protocol {version}, this side speaks {ProtocolVersion}; " +
                "run wasmbox and wasmbox-worker from the same build");
    }
}
