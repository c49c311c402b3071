using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Wasmbox.Core.Protocol;

/// <summary>JSON of the control frames, through the source-generated <see cref="ProtocolJsonContext"/> (no reflection; AOT-safe).</summary>
/// <remarks>
/// Reading is strict, because the worker must not act on a malformed assignment: every member is required (nulls are
/// written, not left out), a null where the type has none is refused, and so are unknown members, duplicate members
/// and null list elements. Every failure is a <see cref="ProtocolException"/> with one line naming the message type.
/// </remarks>
public static class ProtocolJson
{
    /// <summary>UTF-8 JSON of <paramref name="message"/> (one line, snake_case, every member written).</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not a message type of the protocol.</exception>
    public static byte[] Serialize<T>(T message) => JsonSerializer.SerializeToUtf8Bytes(message, TypeInfo<T>());

    /// <summary>Parses a <typeparamref name="T"/>; throws <see cref="ProtocolException"/> on anything but a complete, well-formed one.</summary>
    /// <remarks>This checks shape only. Values (paths, names, limits) are checked by <see cref="WireConversions"/>.</remarks>
    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json)
    {
        var info = TypeInfo<T>();
        T? message;
        try
        {
            message = JsonSerializer.Deserialize(utf8Json, info);
        }
        catch (JsonException e)
        {
            throw new ProtocolException($"protocol: bad {typeof(T).Name} JSON: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        if (message is null)
            throw new ProtocolException($"protocol: bad {typeof(T).Name} JSON: null where an object was expected");
        var nullElement = FindNullElement(message);
        if (nullElement is not null)
            throw new ProtocolException($"protocol: bad {typeof(T).Name} JSON: a null element in {nullElement}");
        return message;
    }

    /// <summary>
    /// Parses a <see cref="WorkerHello"/> and checks its version. The version is looked at before the shape, so a
    /// worker from another build is reported as a version mismatch, not as a missing or unknown member.
    /// </summary>
    public static WorkerHello ReadHello(ReadOnlySpan<byte> utf8Json)
    {
        RequirePeekedVersion(utf8Json, "the worker");
        var hello = Deserialize<WorkerHello>(utf8Json);
        Frames.RequireVersion(hello.Protocol, "the worker");
        return hello;
    }

    /// <summary>Parses a <see cref="WorkerAssignment"/>, checks its version first (as <see cref="ReadHello"/>), then validates it
    /// with <see cref="WireConversions.Validate(WorkerAssignment)"/>.</summary>
    public static WorkerAssignment ReadAssignment(ReadOnlySpan<byte> utf8Json)
    {
        RequirePeekedVersion(utf8Json, "the parent");
        var assignment = Deserialize<WorkerAssignment>(utf8Json);
        assignment.Validate();
        return assignment;
    }

    /// <summary>The metadata of a message type; the context also knows member types (string, lists), which are not messages.</summary>
    private static JsonTypeInfo<T> TypeInfo<T>() =>
        (typeof(T) == typeof(WorkerHello) || typeof(T) == typeof(WorkerAssignment) || typeof(T) == typeof(WorkerResult)
            || typeof(T) == typeof(WorkerUsage) || typeof(T) == typeof(Outcomes.Refusal)
            ? ProtocolJsonContext.Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
            : null)
        ?? throw new ArgumentException($"{typeof(T).Name} is not a message of the worker protocol", nameof(T));

    /// <summary>Where a list holds a null, or null. Nullable annotations on list elements are not enforced by the serializer.</summary>
    private static string? FindNullElement(object message) => message switch
    {
        WorkerAssignment a when a.Args.Contains(null!) => "args",
        WorkerAssignment a => FindNullElement(a.Policy) is { } inPolicy ? $"policy.{inPolicy}" : null,
        WirePolicy p when p.Dirs.Contains(null!) => "dirs",
        WirePolicy p when p.Env.Contains(null!) => "env",
        WirePolicy p when p.AllowNet.Contains(null!) => "allow_net",
        WorkerResult r when r.LimitsHit.Contains(null!) => "limits_hit",
        _ => null,
    };

    /// <summary>Throws on a top-level integer <c>protocol</c> member other than ours; says nothing about anything else.</summary>
    private static void RequirePeekedVersion(ReadOnlySpan<byte> utf8Json, string peer)
    {
        if (PeekVersion(utf8Json) is { } version)
            Frames.RequireVersion(version, peer);
    }

    private static int? PeekVersion(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isProtocol = reader.ValueTextEquals("protocol"u8);
                if (!reader.Read()) return null;
                if (isProtocol)
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var v) ? v : null;
                reader.Skip();
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Source-generated JSON metadata for the protocol messages. Use through <see cref="ProtocolJson"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(WorkerHello))]
[JsonSerializable(typeof(WorkerAssignment))]
[JsonSerializable(typeof(WorkerResult))]
[JsonSerializable(typeof(WorkerUsage))]
[JsonSerializable(typeof(Outcomes.Refusal))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
