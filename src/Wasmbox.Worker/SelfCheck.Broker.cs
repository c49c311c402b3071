using System.Net;
using System.Net.Sockets;
using Wasmbox.Core.Net;
using WasiErrno = Wasmbox.Wasi.Abi.Errno;

namespace Wasmbox.Worker;

/// <summary>
/// The broker checks of the self-check: <c>--broker-fd N</c> (given by the launcher when it made a broker channel for the
/// job), then <c>--broker-connect HOST:PORT</c> asks the broker for a TCP connection, waits for it, and writes
/// <c>from-the-jail</c> on it, so a jail test sees a socket the jail could not have made cross into it and work.
/// </summary>
internal static partial class SelfCheck
{
    private static BrokeredSocketOpener? _broker;

    private static string SetBroker(string fd)
    {
        _broker = new BrokeredSocketOpener(int.Parse(fd, System.Globalization.CultureInfo.InvariantCulture));
        return "set";
    }

    private static string BrokerConnect(string destination)
    {
        if (_broker is null) return "no broker";
        var request = new SocketRequest(SocketRequestKind.Connect, SocketType.Stream, IPEndPoint.Parse(destination), SocketOpenOptions.None);
        var errno = _broker.Open(request, out var socket, out var refusal);
        if (errno != WasiErrno.Success) return refusal is null ? errno.ToString() : $"{errno}: {refusal}";
        using (socket)
        {
            if (!socket!.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectWrite)) return "connect did not complete";
            var error = (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (error != 0) return $"SO_ERROR {error}";
            socket.Send("from-the-jail"u8);
            return "sent";
        }
    }
}
