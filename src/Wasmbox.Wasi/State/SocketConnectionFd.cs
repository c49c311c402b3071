using System.Net.Sockets;

namespace Wasmbox.Wasi.State;

/// <summary>A connected TCP socket the guest accepted (filetype socket_stream): recv, send, shutdown, fd_read, fd_write.</summary>
public sealed class SocketConnectionFd(Socket socket, SocketRegistry? registry = null, Quotas? quotas = null) : SocketFd(socket, registry, quotas);
