using System.Net.Sockets;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi;

// The --listen preopens: each listening socket becomes a descriptor right after the directory grants, in the order
// given (the p1 way to write a server: the guest finds the listener by number, as it finds preopened directories).
public sealed partial class WasiContext
{
    partial void AddListeners();

    /// <summary>Every socket the guest holds; <see cref="SocketRegistry.AbortAll"/> ends a guest blocked on one.</summary>
    public SocketRegistry Sockets { get; } = new();

    /// <summary>The WASI host's own check of <see cref="WasiOptions.Net"/> (one of the two layers; the opener holds the other).</summary>
    public Wasmbox.Core.Net.NetGuard NetGuard => _netGuard ??= new(Options.Net);

    private Wasmbox.Core.Net.NetGuard? _netGuard;

    /// <summary>Opens the guest's sockets: <see cref="WasiOptions.SocketOpener"/>, else one in this process.</summary>
    public Net.ISocketOpener SocketOpener => _opener ??= Options.SocketOpener ?? new Net.DirectSocketOpener(Options.Net);

    private Net.ISocketOpener? _opener;

    /// <summary>
    /// Adds <see cref="WasiOptions.Listeners"/> after the directories. The context owns them from here on: on failure
    /// every listener not yet added is closed too, so a failed set-up leaks no socket.
    /// </summary>
    /// <exception cref="WasiSetupException">A socket is not a listening TCP socket, or <c>--max-open-files</c> leaves no room.</exception>
    partial void AddListeners()
    {
        var listeners = Options.Listeners;
        for (var i = 0; i < listeners.Count; i++)
        {
            var error = NotAListener(listeners[i]);
            if (error is null && Fds.Add(new SocketListenerFd(listeners[i], Sockets, Quotas), out _) != Errno.Success)
                error = $"--max-open-files {Options.MaxOpenFiles} leaves no room for stdio, the {Options.Preopens.Count} grants and the {listeners.Count} listeners; raise it";
            if (error is null) continue;
            for (var j = i; j < listeners.Count; j++) listeners[j].Dispose();
            throw new WasiSetupException(error);
        }
    }

    /// <summary>Why refused, or null for a bound TCP socket that is listening.</summary>
    private static string? NotAListener(Socket socket)
    {
        try
        {
            // SO_ACCEPTCONN: set by listen(2) and only by it.
            var listening = socket.SocketType == SocketType.Stream && socket.ProtocolType == ProtocolType.Tcp
                && (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection)! != 0;
            return listening ? null : $"the socket bound to {socket.LocalEndPoint} is not a listening TCP socket; open it with ListenerSockets.Open";
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return $"a listener socket cannot be used ({e.Message}); open it with ListenerSockets.Open";
        }
    }
}
