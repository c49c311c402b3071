using System.Net;
using System.Net.Sockets;
using Wasmbox.Wasi.Net;

namespace Wasmbox.Wasi.Tests.Net;

public class ListenAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:8080", "127.0.0.1", "127.0.0.1", 8080)]
    [InlineData("0.0.0.0:0", "0.0.0.0", "0.0.0.0", 0)]
    [InlineData("[::1]:0", "::1", "::1", 0)]
    [InlineData("[::]:65535", "::", "::", 65535)]
    [InlineData("localhost:9000", "localhost", null, 9000)]
    [InlineData("my-host.example:443", "my-host.example", null, 443)]
    public void Parse_Valid_GivesHostAddressAndPort(string text, string host, string? address, int port)
    {
        var parsed = ListenAddress.Parse(text);

        Assert.Equal(host, parsed.Host);
        Assert.Equal(address is null ? null : IPAddress.Parse(address), parsed.Address);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(text, parsed.ToString());
    }

    [Theory]
    [InlineData("", "empty; write HOST:PORT, e.g. 127.0.0.1:8080")]
    [InlineData("127.0.0.1", "missing the port; write HOST:PORT, e.g. 127.0.0.1:8080")]
    [InlineData(":8080", "missing the host; write 127.0.0.1:PORT for this machine only, 0.0.0.0:PORT for every IPv4 address")]
    [InlineData("127.0.0.1:", "port '' is not a number from 0 to 65535; e.g. 127.0.0.1:8080")]
    [InlineData("127.0.0.1:65536", "port '65536' is not a number from 0 to 65535; e.g. 127.0.0.1:8080")]
    [InlineData("127.0.0.1:-1", "port '-1' is not a number from 0 to 65535; e.g. 127.0.0.1:8080")]
    [InlineData("127.0.0.1:http", "port 'http' is not a number from 0 to 65535; e.g. 127.0.0.1:8080")]
    [InlineData("::1:8080", "an IPv6 address needs brackets; write [::1]:8080")]
    [InlineData("[::1:8080", "unclosed '['; write an IPv6 address in brackets, e.g. [::1]:8080")]
    [InlineData("[::1]", "missing the port after ']'; write [ADDRESS]:PORT, e.g. [::1]:8080")]
    [InlineData("[::1]8080", "missing the port after ']'; write [ADDRESS]:PORT, e.g. [::1]:8080")]
    [InlineData("[127.0.0.1]:80", "'127.0.0.1' in brackets is not an IPv6 address; e.g. [::1]:8080")]
    [InlineData("127.1:80", "'127.1' is not an IPv4 address; e.g. 127.0.0.1:8080")]
    [InlineData("256.0.0.1:80", "'256.0.0.1' is not an IPv4 address; e.g. 127.0.0.1:8080")]
    [InlineData("bad_host:80", "'bad_host' is not an IP address or a host name; e.g. 127.0.0.1:8080")]
    [InlineData("-bad:80", "'-bad' is not an IP address or a host name; e.g. 127.0.0.1:8080")]
    [InlineData("127.0.0.1 :80", "contains a space; write HOST:PORT, e.g. 127.0.0.1:8080")]
    public void Parse_Invalid_ThrowsOneLineSayingWhatToWrite(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => ListenAddress.Parse(text));

        Assert.Equal(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Open_PortZero_ListensOnAFreePortThatCanBeReported()
    {
        using var listener = ListenerSockets.Open(ListenAddress.Parse("127.0.0.1:0"));

        var bound = ListenerSockets.BoundEndPoint(listener);
        Assert.Equal(IPAddress.Loopback, bound.Address);
        Assert.InRange(bound.Port, 1, 65535);
        Assert.Equal($"127.0.0.1:{bound.Port}", ListenAddress.Format(bound));
        Assert.Equal(1, (int)listener.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection)!);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(bound);
    }

    [Fact]
    public void Open_Localhost_IsTheIPv4Loopback()
    {
        using var listener = ListenerSockets.Open(ListenAddress.Parse("localhost:0"));

        Assert.Equal(IPAddress.Loopback, ListenerSockets.BoundEndPoint(listener).Address);
    }

    [Fact]
    public void Open_PortInUse_ThrowsOneLineSayingWhatToDo()
    {
        using var first = ListenerSockets.Open(ListenAddress.Parse("127.0.0.1:0"));
        var port = ListenerSockets.BoundEndPoint(first).Port;

        var e = Assert.Throws<ListenException>(() => ListenerSockets.Open(ListenAddress.Parse($"127.0.0.1:{port}")));

        Assert.Equal($"127.0.0.1:{port} is already in use; stop what listens there or pick another port (0 picks a free one)", e.Message);
    }
}
