using System.Net;
using System.Net.Sockets;
using Wasmbox.Core.Net;
using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Net;

/// <summary>
/// Opens host sockets for a guest, and resolves names, under the sandbox's network policy. The WASI host checks every
/// destination itself first; an opener checks again with the policy it holds and never trusts the caller's check.
/// </summary>
/// <remarks>
/// In the none and process tiers the opener is <see cref="DirectSocketOpener"/>: the host's own process opens the
/// socket. In the jail the worker has no network (its own empty network namespace, and seccomp refuses every socket but
/// AF_UNIX), so its opener asks the parent's broker, which opens the socket and passes it back with SCM_RIGHTS.
/// </remarks>
public interface ISocketOpener
{
    /// <summary>
    /// Opens a host socket for <paramref name="request"/>. For <see cref="SocketRequestKind.Connect"/> on a stream
    /// socket the connection is started but may still be in progress: the socket comes back nonblocking, and the caller
    /// waits for it to become writable and reads SO_ERROR. For <see cref="SocketRequestKind.Bind"/> the socket comes
    /// back bound (not listening) and nonblocking.
    /// </summary>
    /// <returns>Success and the socket; <see cref="Errno.Acces"/> when the policy refuses the address (with
    /// <paramref name="refusal"/> saying why); or the errno the host's socket, bind or connect gave.</returns>
    Errno Open(SocketRequest request, out Socket? socket, out string? refusal);

    /// <summary>
    /// Resolves <paramref name="name"/> to the addresses the policy allows connecting to, in the resolver's order. A name
    /// no rule could allow is not looked up at all (<see cref="Errno.Acces"/>, with <paramref name="refusal"/>); a name
    /// whose addresses are all refused resolves to none.
    /// </summary>
    Errno Resolve(string name, out IReadOnlyList<IPAddress> addresses, out string? refusal);
}
