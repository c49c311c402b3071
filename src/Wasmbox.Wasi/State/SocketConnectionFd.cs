using System.Net.Sockets;
using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.State;

/// <summary>A connected TCP socket the guest accepted (filetype socket_stream): recv, send, shutdown, fd_read, fd_write.</summary>
public sealed class SocketConnectionFd(Socket socket) : SocketFd(socket, ConnectionRights)
{
    /// <summary>What a connection can be asked to do (fd_fdstat_get's rights). No seek or tell: a stream has no offset.</summary>
    public const Rights ConnectionRights = Rights.FdRead | Rights.FdWrite | Rights.SockShutdown | Rights.PollFdReadwrite
        | Rights.FdFdstatSetFlags | Rights.FdFilestatGet;
}
