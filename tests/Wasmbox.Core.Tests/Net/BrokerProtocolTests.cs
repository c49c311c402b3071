using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Wasmbox.Core.Net;

namespace Wasmbox.Core.Tests.Net;

public class BrokerProtocolTests
{
    private static BrokerRequest Connect(string address, int port, SocketType type = SocketType.Stream, SocketOpenOptions options = SocketOpenOptions.None) =>
        BrokerRequest.ForOpen(7, new SocketRequest(SocketRequestKind.Connect, type, new IPEndPoint(IPAddress.Parse(address), port), options));

    private static BrokerRequest Parsed(byte[] datagram)
    {
        Assert.True(BrokerProtocol.TryParseRequest(datagram, out var request, out var error), error);
        return request!;
    }

    private static string RequestError(byte[] datagram)
    {
        Assert.False(BrokerProtocol.TryParseRequest(datagram, out var request, out var error));
        Assert.Null(request);
        return error;
    }

    private static string ReplyError(byte[] datagram)
    {
        Assert.False(BrokerProtocol.TryParseReply(datagram, out var reply, out var error));
        Assert.Null(reply);
        return error;
    }

    [Fact]
    public void Sizes_AreFixed()
    {
        Assert.Equal(284, BrokerProtocol.RequestSize);
        Assert.Equal(796, BrokerProtocol.ReplySize);
    }

    [Theory]
    [InlineData("127.0.0.1", 8080, SocketType.Stream, SocketOpenOptions.None)]
    [InlineData("::1", 443, SocketType.Dgram, SocketOpenOptions.OnlyV6 | SocketOpenOptions.ReusePort)]
    [InlineData("203.0.113.9", 65535, SocketType.Dgram, SocketOpenOptions.Broadcast | SocketOpenOptions.ReuseAddress)]
    public void Request_Open_RoundTrips(string address, int port, SocketType type, SocketOpenOptions options)
    {
        var request = Connect(address, port, type, options);
        var parsed = Parsed(BrokerProtocol.Encode(request));
        Assert.Equal(request.Id, parsed.Id);
        Assert.Equal(BrokerOp.Connect, parsed.Op);
        Assert.Equal(request.Open, parsed.Open);
        Assert.Null(parsed.Name);
    }

    [Fact]
    public void Request_Bind_RoundTrips()
    {
        var open = new SocketRequest(SocketRequestKind.Bind, SocketType.Stream, new IPEndPoint(IPAddress.Loopback, 0), SocketOpenOptions.ReuseAddress);
        var parsed = Parsed(BrokerProtocol.Encode(BrokerRequest.ForOpen(uint.MaxValue, open)));
        Assert.Equal(BrokerOp.Bind, parsed.Op);
        Assert.Equal(uint.MaxValue, parsed.Id);
        Assert.Equal(open, parsed.Open);
    }

    [Fact]
    public void Request_IPv4MappedAddress_TravelsAsIPv4()
    {
        var parsed = Parsed(BrokerProtocol.Encode(Connect("::ffff:10.0.0.1", 80)));
        Assert.Equal(IPAddress.Parse("10.0.0.1"), parsed.Open!.EndPoint.Address);
    }

    [Theory]
    [InlineData("api.example.com", null)]
    [InlineData("a", 443)]
    [InlineData("::1", null)]
    public void Request_Resolve_RoundTrips(string name, int? port)
    {
        var parsed = Parsed(BrokerProtocol.Encode(BrokerRequest.ForResolve(3, name, port)));
        Assert.Equal(BrokerRequest.ForResolve(3, name, port), parsed);
    }

    [Fact]
    public void Request_LongestName_RoundTrips()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..253];
        Assert.Equal(name, Parsed(BrokerProtocol.Encode(BrokerRequest.ForResolve(1, name))).Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    [InlineData("naïve.example")]
    [InlineData("a/b")]
    public void Encode_NameTheChannelCannotCarry_Throws(string name)
    {
        Assert.False(BrokerProtocol.IsValidName(name));
        Assert.Throws<ArgumentException>(() => BrokerProtocol.Encode(BrokerRequest.ForResolve(1, name)));
    }

    [Fact]
    public void Encode_NameOfMoreThan253_Throws() =>
        Assert.Throws<ArgumentException>(() => BrokerProtocol.Encode(BrokerRequest.ForResolve(1, new string('a', 254))));

    /// <summary>A valid connect request with one thing spoiled, and the start of the error it must give.</summary>
    public static TheoryData<string, string> SpoiledRequests() => new()
    {
        { "short", "a request is 284 bytes, not 283" },
        { "long", "a request is 284 bytes, not 285" },
        { "empty", "a request is 284 bytes, not 0" },
        { "op0", "op 0 is not" },
        { "op4", "op 4 is not" },
        { "type0", "type 0 is not" },
        { "type3", "type 3 is not" },
        { "family0", "family 0 is not" },
        { "family5", "family 5 is not" },
        { "options", "options 0x10 has unknown bits" },
        { "v4tail", "an IPv4 address has bytes after its fourth" },
        { "open_name_len", "an open request has a name" },
        { "open_name_byte", "an open request has a name" },
    };

    [Theory]
    [MemberData(nameof(SpoiledRequests))]
    public void ParseRequest_SpoiledOpen_IsRefused(string spoil, string expected)
    {
        var ok = BrokerProtocol.Encode(Connect("127.0.0.1", 80));
        var bytes = spoil switch
        {
            "short" => ok[..^1],
            "long" => [.. ok, 0],
            "empty" => [],
            _ => ok,
        };
        switch (spoil)
        {
            case "op0": bytes[4] = 0; break;
            case "op4": bytes[4] = 4; break;
            case "type0": bytes[5] = 0; break;
            case "type3": bytes[5] = 3; break;
            case "family0": bytes[6] = 0; break;
            case "family5": bytes[6] = 5; break;
            case "options": bytes[7] = 0x10; break;
            case "v4tail": bytes[8 + 4] = 1; break;
            case "open_name_len": bytes[26] = 1; break;
            case "open_name_byte": bytes[28 + 100] = (byte)'a'; break;
        }
        Assert.StartsWith(expected, RequestError(bytes));
    }

    [Theory]
    [InlineData("name_len0", "name_len 0 is not 1 to 253")]
    [InlineData("name_len254", "name_len 254 is not 1 to 253")]
    [InlineData("name_len_huge", "name_len 65535 is not 1 to 253")]
    [InlineData("after_name", "bytes after the name are not zero")]
    [InlineData("nul_in_name", "the name has a byte")]
    [InlineData("space_in_name", "the name has a byte")]
    [InlineData("high_byte", "the name has a byte")]
    [InlineData("with_type", "a resolve request has a type")]
    [InlineData("with_address", "a resolve request has a type")]
    public void ParseRequest_SpoiledResolve_IsRefused(string spoil, string expected)
    {
        var bytes = BrokerProtocol.Encode(BrokerRequest.ForResolve(1, "example.com"));
        switch (spoil)
        {
            case "name_len0": BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(26), 0); break;
            case "name_len254": BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(26), 254); break;
            case "name_len_huge": BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(26), ushort.MaxValue); break;
            case "after_name": bytes[28 + 11] = (byte)'x'; break;
            case "nul_in_name": bytes[28 + 3] = 0; break;
            case "space_in_name": bytes[28 + 3] = (byte)' '; break;
            case "high_byte": bytes[28 + 3] = 0xC3; break;
            case "with_type": bytes[5] = 1; break;
            case "with_address": bytes[10] = 1; break;
        }
        Assert.StartsWith(expected, RequestError(bytes));
    }

    [Fact]
    public void ParseRequest_EverySingleByteChange_ParsesOrFailsWithoutThrowing()
    {
        var samples = new[]
        {
            BrokerProtocol.Encode(Connect("127.0.0.1", 80)),
            BrokerProtocol.Encode(Connect("::1", 80, SocketType.Dgram)),
            BrokerProtocol.Encode(BrokerRequest.ForResolve(9, "api.example.com", 443)),
        };
        foreach (var sample in samples)
        {
            for (var i = 0; i < sample.Length; i++)
            {
                foreach (var value in new byte[] { 0, 1, 3, 4, 6, 0x7f, 0x80, 0xff })
                {
                    var bytes = (byte[])sample.Clone();
                    bytes[i] = value;
                    if (BrokerProtocol.TryParseRequest(bytes, out var request, out _))
                        Assert.Equal(bytes, BrokerProtocol.Encode(request!)); // what parses is exactly what encodes
                }
            }
        }
    }

    [Fact]
    public void ParseRequest_RandomDatagrams_NeverThrow()
    {
        var random = new Random(1234);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(2) == 0 ? BrokerProtocol.RequestSize : random.Next(0, 600)];
            random.NextBytes(bytes);
            if (random.Next(2) == 0 && bytes.Length > 4) bytes[4] = (byte)random.Next(1, 4);
            _ = BrokerProtocol.TryParseRequest(bytes, out _, out _);
            _ = BrokerProtocol.TryParseReply(bytes, out _, out _);
        }
    }

    // ---- replies ----

    [Fact]
    public void Reply_Ok_WithAddresses_RoundTrips()
    {
        IPAddress[] addresses = [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("2606:2800:220:1::1"), IPAddress.Loopback];
        Assert.True(BrokerProtocol.TryParseReply(BrokerProtocol.Encode(BrokerReply.Ok(5, addresses)), out var reply, out var error), error);
        Assert.Equal(5u, reply!.Id);
        Assert.Equal(BrokerStatus.Ok, reply.Status);
        Assert.Equal(addresses, reply.Addresses);
    }

    [Fact]
    public void Reply_Ok_KeepsAtMost32Addresses()
    {
        var many = Enumerable.Range(1, 40).Select(i => new IPAddress([10, 0, 0, (byte)i])).ToArray();
        Assert.True(BrokerProtocol.TryParseReply(BrokerProtocol.Encode(BrokerReply.Ok(1, many)), out var reply, out _));
        Assert.Equal(many.Take(32), reply!.Addresses);
    }

    [Fact]
    public void Reply_Refused_RoundTripsItsReason()
    {
        var sent = BrokerReply.Refused(2, "connect to 169.254.169.254:80: a cloud metadata address, which …");
        Assert.True(BrokerProtocol.TryParseReply(BrokerProtocol.Encode(sent), out var reply, out _));
        Assert.Equal(sent.Reason, reply!.Reason);
        Assert.Equal(BrokerStatus.Refused, reply.Status);
        Assert.Empty(reply.Addresses);
    }

    [Fact]
    public void Reply_LongReason_IsCutBetweenCharactersToOneLine()
    {
        var reason = "line one\nline two " + string.Concat(Enumerable.Repeat("é€😀", 60));
        Assert.True(BrokerProtocol.TryParseReply(BrokerProtocol.Encode(BrokerReply.Refused(1, reason)), out var reply, out var error), error);
        Assert.True(Encoding.UTF8.GetByteCount(reply!.Reason) <= BrokerProtocol.MaxReasonBytes);
        Assert.StartsWith("line one line two é€😀", reply.Reason);
        Assert.DoesNotContain('\uFFFD', reply.Reason);
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused)]
    [InlineData(SocketError.AccessDenied)]
    [InlineData(SocketError.HostNotFound)]
    public void Reply_SocketError_RoundTrips(SocketError error)
    {
        Assert.True(BrokerProtocol.TryParseReply(BrokerProtocol.Encode(BrokerReply.Failed(4, error)), out var reply, out _));
        Assert.Equal(BrokerStatus.SocketError, reply!.Status);
        Assert.Equal(error, reply.Error);
    }

    [Theory]
    [InlineData("short", "a reply is 796 bytes, not 795")]
    [InlineData("status", "status 9 is unknown")]
    [InlineData("count33", "count 33 is above 32")]
    [InlineData("addresses_on_refused", "a reply that is not ok has addresses")]
    [InlineData("reason_len241", "reason_len 241 is above 240")]
    [InlineData("reason_on_ok", "a Ok reply has a reason")]
    [InlineData("refused_without_reason", "a Refused reply lacks a reason")]
    [InlineData("error_on_ok", "error 10061 does not fit a Ok reply")]
    [InlineData("undefined_error", "error 123456 does not fit")]
    [InlineData("bad_utf8", "the reason is not UTF-8")]
    [InlineData("newline", "the reason is not one line")]
    [InlineData("after_reason", "bytes after the reason are not zero")]
    [InlineData("unused_entry", "unused address entry 31 is not zero")]
    [InlineData("bad_family", "address 0: family 5")]
    public void ParseReply_Spoiled_IsRefused(string spoil, string expected)
    {
        var ok = BrokerProtocol.Encode(BrokerReply.Ok(1, [IPAddress.Loopback]));
        var refused = BrokerProtocol.Encode(BrokerReply.Refused(1, "no"));
        byte[] bytes = spoil switch
        {
            "short" => ok[..^1],
            "addresses_on_refused" or "reason_len241" or "bad_utf8" or "newline" or "after_reason" or "refused_without_reason" => refused,
            _ => ok,
        };
        switch (spoil)
        {
            case "status": bytes[4] = 9; break;
            case "count33": bytes[5] = 33; break;
            case "addresses_on_refused": bytes[5] = 1; break;
            case "reason_len241": bytes[6] = 241; break;
            case "reason_on_ok": bytes[6] = 1; bytes[12] = (byte)'x'; break;
            case "refused_without_reason": bytes[6] = 0; bytes[12] = 0; bytes[13] = 0; break;
            case "error_on_ok": BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), (int)SocketError.ConnectionRefused); break;
            case "undefined_error": bytes[4] = (byte)BrokerStatus.SocketError; BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 123456); bytes[5] = 0; Array.Clear(bytes, 252, 17); break;
            case "bad_utf8": bytes[12] = 0xC3; bytes[13] = 0x28; break;
            case "newline": bytes[13] = (byte)'\n'; break;
            case "after_reason": bytes[12 + 5] = 1; break;
            case "unused_entry": bytes[252 + 31 * 17 + 3] = 1; break;
            case "bad_family": bytes[252] = 5; break;
        }
        Assert.StartsWith(expected, ReplyError(bytes));
    }

    [Fact]
    public void PeekId_ReadsTheIdOfAnythingLongEnough()
    {
        Assert.Equal(0u, BrokerProtocol.PeekId([1, 2, 3]));
        Assert.Equal(0x04030201u, BrokerProtocol.PeekId([1, 2, 3, 4, 5]));
    }
}
