using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Wasmbox.Wasi.Net;

/// <summary>
/// The <c>HOST:PORT</c> of <c>--listen</c>: an IPv4 address (<c>127.0.0.1:8080</c>), an IPv6 address in brackets
/// (<c>[::1]:0</c>) or a host name (<c>localhost:9000</c>); port 0 asks the OS for any free port.
/// </summary>
/// <param name="Host">The host as written, without brackets.</param>
/// <param name="Address">The address when <paramref name="Host"/> is an IP literal; null for a name, resolved when bound.</param>
/// <param name="Port">0 to 65535.</param>
public sealed record ListenAddress(string Host, IPAddress? Address, int Port)
{
    private const string Example = "e.g. 127.0.0.1:8080";

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> with a one-line message that says what to write instead.</summary>
    public static ListenAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    /// <summary>
    /// Parses <paramref name="text"/>. On failure <paramref name="error"/> is one line, "what is wrong; what to write",
    /// made to follow "wasmbox: --listen TEXT: ".
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ListenAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        error = Check(text, out var host, out var ip, out var portText);
        if (error is not null) return false;
        if (!TryParsePort(portText, out var port))
        {
            error = $"port '{portText}' is not a number from 0 to 65535; {Example}";
            return false;
        }
        address = new ListenAddress(host, ip, port);
        return true;
    }

    /// <summary>As written on a command line: <c>127.0.0.1:8080</c>, <c>[::1]:8080</c>, <c>localhost:8080</c>.</summary>
    public override string ToString() => Format(Host, Port);

    /// <summary>An end point as <c>HOST:PORT</c>, IPv6 in brackets (to report the port a listener was bound to).</summary>
    public static string Format(IPEndPoint endPoint) => Format(endPoint.Address.ToString(), endPoint.Port);

    private static string Format(string host, int port) => host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";

    /// <summary>Splits and checks the host; null when fine, else the message.</summary>
    private static string? Check(string text, out string host, out IPAddress? ip, out string portText)
    {
        host = portText = "";
        ip = null;
        if (string.IsNullOrEmpty(text)) return $"empty; write HOST:PORT, {Example}";
        if (text.Any(char.IsWhiteSpace)) return $"contains a space; write HOST:PORT, {Example}";

        if (text[0] == '[')
        {
            var close = text.IndexOf(']');
            if (close < 0) return "unclosed '['; write an IPv6 address in brackets, e.g. [::1]:8080";
            host = text[1..close];
            if (!IPAddress.TryParse(host, out ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
                return $"'{host}' in brackets is not an IPv6 address; e.g. [::1]:8080";
            if (close + 1 >= text.Length || text[close + 1] != ':') return "missing the port after ']'; write [ADDRESS]:PORT, e.g. [::1]:8080";
            portText = text[(close + 2)..];
            return null;
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0) return $"missing the port; write HOST:PORT, {Example}";
        host = text[..colon];
        portText = text[(colon + 1)..];
        if (host.Contains(':')) return "an IPv6 address needs brackets; write [::1]:8080";
        if (host.Length == 0) return "missing the host; write 127.0.0.1:PORT for this machine only, 0.0.0.0:PORT for every IPv4 address";
        if (host.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            // Why not IPAddress.TryParse alone: it takes "127.1" and "1" as IPv4 shorthand, which nobody means here.
            if (host.Split('.') is not { Length: 4 } parts || !parts.All(p => p.Length is > 0 and <= 3 && int.Parse(p) <= 255))
                return $"'{host}' is not an IPv4 address; {Example}";
            ip = IPAddress.Parse(host);
            return null;
        }
        return IsHostName(host) ? null : $"'{host}' is not an IP address or a host name; {Example}";
    }

    private static bool TryParsePort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit) && (port = int.Parse(text)) <= 65535;
    }

    /// <summary>A DNS name: dot-separated labels of letters, digits and inner hyphens, at most 63 characters each, 253 in all.</summary>
    private static bool IsHostName(string host) =>
        host.Length <= 253 && host.TrimEnd('.').Split('.').All(label =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
}
