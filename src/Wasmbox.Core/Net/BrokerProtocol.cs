using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Wasmbox.Core.Net;

/// <summary>
/// The broker channel's two records, fixed-size and little-endian, one per SOCK_SEQPACKET datagram. Parsing is strict:
/// every field must hold a value a valid peer writes, and every unused byte must be zero, so a forged or confused
/// datagram is refused whole instead of half-understood.
/// </summary>
/// <remarks>
/// Request, <see cref="RequestSize"/> bytes:
/// <code>
/// offset  0: id          u32
/// offset  4: op          u8   1 connect, 2 bind, 3 resolve
/// offset  5: type        u8   1 stream, 2 dgram; 0 for resolve
/// offset  6: family      u8   4 IPv4, 6 IPv6; 0 for resolve
/// offset  7: options     u8   SocketOpenOptions bits; 0 for resolve
/// offset  8: address     16   IPv4 in the first 4 bytes, the rest zero; all zero for resolve
/// offset 24: port        u16  resolve: 0 judges the addresses at any port
/// offset 26: name_len    u16  resolve: 1..253; 0 for open
/// offset 28: name        256  ASCII letters, digits, '-', '.', '_', ':'; zero after name_len
/// </code>
/// Reply, <see cref="ReplySize"/> bytes (a successful open also carries one SCM_RIGHTS descriptor):
/// <code>
/// offset   0: id          u32  the request's
/// offset   4: status      u8   BrokerStatus
/// offset   5: count       u8   addresses, 0..32 (only for an ok resolve)
/// offset   6: reason_len  u16  0..240 (only for refused and malformed)
/// offset   8: error       i32  System.Net.Sockets.SocketError (only for socket_error)
/// offset  12: reason      240  UTF-8, one line; zero after reason_len
/// offset 252: addresses   32 × 17: family (4 or 6), then 16 address bytes as in a request; unused entries zero
/// </code>
/// </remarks>
public static class BrokerProtocol
{
    public const int MaxNameBytes = 253, MaxAddresses = 32, MaxReasonBytes = 240;
    private const int NameField = 256, AddressEntry = 17;
    private const int NameOffset = 28, ReasonOffset = 12, AddressesOffset = ReasonOffset + MaxReasonBytes;

    public const int RequestSize = NameOffset + NameField;
    public const int ReplySize = AddressesOffset + MaxAddresses * AddressEntry;

    private const byte Stream = 1, Dgram = 2, V4 = 4, V6 = 6;
    private const SocketOpenOptions KnownOptions =
        SocketOpenOptions.ReuseAddress | SocketOpenOptions.ReusePort | SocketOpenOptions.OnlyV6 | SocketOpenOptions.Broadcast;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The id of a datagram, as far as it has one (0 when shorter than an id): a malformed reply still names it.</summary>
    public static uint PeekId(ReadOnlySpan<byte> datagram) => datagram.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(datagram) : 0;

    /// <summary>Whether <paramref name="name"/> fits a request: 1 to 253 of the characters a host name or an address literal uses.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameBytes && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or ':');

    // ---- request ----

    /// <summary>The request as one datagram.</summary>
    /// <exception cref="ArgumentException">A name <see cref="IsValidName"/> refuses, an end point that is not IPv4 or IPv6, or an op without its member.</exception>
    public static byte[] Encode(BrokerRequest request)
    {
        var bytes = new byte[RequestSize];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, request.Id);
        span[4] = (byte)request.Op;
        if (request.Op == BrokerOp.Resolve)
        {
            var name = request.Name ?? throw new ArgumentException("a resolve request needs a name", nameof(request));
            if (!IsValidName(name)) throw new ArgumentException($"'{name}' is not a name the broker takes", nameof(request));
            if (request.Port is { } port) BinaryPrimitives.WriteUInt16LittleEndian(span[24..], checked((ushort)port));
            BinaryPrimitives.WriteUInt16LittleEndian(span[26..], (ushort)name.Length);
            Encoding.ASCII.GetBytes(name, span[NameOffset..]);
            return bytes;
        }
        var open = request.Open ?? throw new ArgumentException("an open request needs its socket request", nameof(request));
        span[5] = open.Type switch
        {
            SocketType.Stream => Stream,
            SocketType.Dgram => Dgram,
            _ => throw new ArgumentException($"socket type {open.Type} is not stream or dgram", nameof(request)),
        };
        WriteAddress(open.EndPoint.Address, span[6..], span[8..24]);
        span[7] = (byte)(open.Options & KnownOptions);
        BinaryPrimitives.WriteUInt16LittleEndian(span[24..], (ushort)open.EndPoint.Port);
        return bytes;
    }

    /// <summary>Parses a request; on failure <paramref name="error"/> is one line naming the field.</summary>
    public static bool TryParseRequest(ReadOnlySpan<byte> datagram, out BrokerRequest? request, out string error)
    {
        request = null;
        if (datagram.Length != RequestSize) return Fail(out error, $"a request is {RequestSize} bytes, not {datagram.Length}");
        var id = BinaryPrimitives.ReadUInt32LittleEndian(datagram);
        var op = datagram[4];
        var type = datagram[5];
        var options = (SocketOpenOptions)datagram[7];
        var port = BinaryPrimitives.ReadUInt16LittleEndian(datagram[24..]);
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(datagram[26..]);
        var nameField = datagram[NameOffset..];

        switch (op)
        {
            case (byte)BrokerOp.Resolve:
                if (type != 0 || datagram[6] != 0 || datagram[7] != 0 || datagram[8..24].ContainsAnyExcept((byte)0))
                    return Fail(out error, "a resolve request has a type, family, options or address");
                if (nameLength is 0 or > MaxNameBytes) return Fail(out error, $"name_len {nameLength} is not 1 to {MaxNameBytes}");
                if (nameField[nameLength..].ContainsAnyExcept((byte)0)) return Fail(out error, "bytes after the name are not zero");
                var name = Encoding.ASCII.GetString(nameField[..nameLength]);
                if (!IsValidName(name)) return Fail(out error, "the name has a byte a host name or an address never has");
                request = BrokerRequest.ForResolve(id, name, port == 0 ? null : port);
                break;
            case (byte)BrokerOp.Connect or (byte)BrokerOp.Bind:
                var socketType = type switch { Stream => SocketType.Stream, Dgram => SocketType.Dgram, _ => SocketType.Unknown };
                if (socketType == SocketType.Unknown) return Fail(out error, $"type {type} is not 1 (stream) or 2 (dgram)");
                if ((options & ~KnownOptions) != 0) return Fail(out error, $"options 0x{(byte)options:x2} has unknown bits");
                if (!TryReadAddress(datagram[6], datagram[8..24], out var address, out error)) return false;
                if (nameLength != 0 || nameField.ContainsAnyExcept((byte)0)) return Fail(out error, "an open request has a name");
                var kind = op == (byte)BrokerOp.Bind ? SocketRequestKind.Bind : SocketRequestKind.Connect;
                request = BrokerRequest.ForOpen(id, new SocketRequest(kind, socketType, new IPEndPoint(address, port), options));
                break;
            default:
                return Fail(out error, $"op {op} is not 1 (connect), 2 (bind) or 3 (resolve)");
        }
        error = "";
        return true;
    }

    // ---- reply ----

    /// <summary>The reply as one datagram. The reason is cut to one line of at most <see cref="MaxReasonBytes"/>, the addresses to <see cref="MaxAddresses"/>.</summary>
    public static byte[] Encode(BrokerReply reply)
    {
        var bytes = new byte[ReplySize];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, reply.Id);
        span[4] = (byte)reply.Status;
        var count = Math.Min(reply.Addresses.Count, MaxAddresses);
        span[5] = (byte)count;
        var reason = Truncate(reply.Reason.ReplaceLineEndings(" "), MaxReasonBytes);
        var reasonLength = Encoding.UTF8.GetBytes(reason, span.Slice(ReasonOffset, MaxReasonBytes));
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)reasonLength);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], (int)reply.Error);
        for (var i = 0; i < count; i++)
        {
            var entry = span.Slice(AddressesOffset + i * AddressEntry, AddressEntry);
            WriteAddress(reply.Addresses[i], entry, entry[1..]);
        }
        return bytes;
    }

    /// <summary>Parses a reply; on failure <paramref name="error"/> is one line naming the field.</summary>
    public static bool TryParseReply(ReadOnlySpan<byte> datagram, out BrokerReply? reply, out string error)
    {
        reply = null;
        if (datagram.Length != ReplySize) return Fail(out error, $"a reply is {ReplySize} bytes, not {datagram.Length}");
        var id = BinaryPrimitives.ReadUInt32LittleEndian(datagram);
        var status = (BrokerStatus)datagram[4];
        var count = datagram[5];
        var reasonLength = BinaryPrimitives.ReadUInt16LittleEndian(datagram[6..]);
        var socketError = (SocketError)BinaryPrimitives.ReadInt32LittleEndian(datagram[8..]);
        if (!Enum.IsDefined(status)) return Fail(out error, $"status {(byte)status} is unknown");
        if (count > MaxAddresses) return Fail(out error, $"count {count} is above {MaxAddresses}");
        if (count > 0 && status != BrokerStatus.Ok) return Fail(out error, "a reply that is not ok has addresses");
        if (reasonLength > MaxReasonBytes) return Fail(out error, $"reason_len {reasonLength} is above {MaxReasonBytes}");
        if ((reasonLength > 0) != (status is BrokerStatus.Refused or BrokerStatus.Malformed))
            return Fail(out error, $"a {status} reply {(reasonLength > 0 ? "has" : "lacks")} a reason");
        if ((socketError != SocketError.Success) != (status == BrokerStatus.SocketError) || !Enum.IsDefined(socketError))
            return Fail(out error, $"error {(int)socketError} does not fit a {status} reply");
        var reasonField = datagram.Slice(ReasonOffset, MaxReasonBytes);
        if (reasonField[reasonLength..].ContainsAnyExcept((byte)0)) return Fail(out error, "bytes after the reason are not zero");
        string reason;
        try { reason = StrictUtf8.GetString(reasonField[..reasonLength]); }
        catch (DecoderFallbackException) { return Fail(out error, "the reason is not UTF-8"); }
        if (reason.Contains('\n') || reason.Contains('\r') || reason.Contains('\0')) return Fail(out error, "the reason is not one line");

        var addresses = new IPAddress[count];
        for (var i = 0; i < MaxAddresses; i++)
        {
            var entry = datagram.Slice(AddressesOffset + i * AddressEntry, AddressEntry);
            if (i >= count)
            {
                if (entry.ContainsAnyExcept((byte)0)) return Fail(out error, $"unused address entry {i} is not zero");
                continue;
            }
            if (!TryReadAddress(entry[0], entry[1..], out var address, out error)) return Fail(out error, $"address {i}: {error}");
            addresses[i] = address;
        }
        reply = new BrokerReply(id, status, socketError, reason, addresses);
        error = "";
        return true;
    }

    // ---- shared ----

    private static void WriteAddress(IPAddress address, Span<byte> family, Span<byte> field)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        family[0] = address.AddressFamily switch
        {
            AddressFamily.InterNetwork => V4,
            AddressFamily.InterNetworkV6 => V6,
            _ => throw new ArgumentException($"{address.AddressFamily} is not IPv4 or IPv6", nameof(address)),
        };
        if (!address.TryWriteBytes(field, out _)) throw new ArgumentException("the address does not fit", nameof(address));
    }

    private static bool TryReadAddress(byte family, ReadOnlySpan<byte> field, out IPAddress address, out string error)
    {
        address = IPAddress.None;
        switch (family)
        {
            case V4:
                if (field[4..].ContainsAnyExcept((byte)0)) return Fail(out error, "an IPv4 address has bytes after its fourth");
                address = new IPAddress(field[..4]);
                break;
            case V6:
                address = new IPAddress(field);
                break;
            default:
                return Fail(out error, $"family {family} is not 4 (IPv4) or 6 (IPv6)");
        }
        error = "";
        return true;
    }

    /// <summary>The longest prefix of <paramref name="text"/> whose UTF-8 fits <paramref name="maxBytes"/>, cut between characters.</summary>
    private static string Truncate(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
        var length = 0;
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes) break;
            bytes += rune.Utf8SequenceLength;
            length += rune.Utf16SequenceLength;
        }
        return text[..length];
    }

    private static bool Fail(out string error, string message)
    {
        error = message;
        return false;
    }
}
