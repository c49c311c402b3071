using System.Net;
using System.Net.Sockets;
using Wasmbox.Core.Net;
using Wasmbox.Core.Net.Interop;
using Wasmbox.Core.Policy;

namespace Wasmbox.Jail.Net;

/// <summary>
/// The parent's side of one jailed worker's network: reads the worker's requests from its end of a SOCK_SEQPACKET pair,
/// checks each with a <see cref="NetGuard"/> of its own, opens the socket (or resolves the name) and sends it back with
/// SCM_RIGHTS. Never trusts the worker: a forged request is judged like any other, a malformed one gets a
/// <see cref="BrokerStatus.Malformed"/> reply, and nothing the worker sends can throw out of the loop.
/// </summary>
/// <remarks>
/// <para>Overview. One asynchronous loop per worker, no thread of its own: it waits for the rate (<see cref="TokenBucket"/>),
/// reads one datagram, answers it, and reads the next. Why one request at a time: the worker's opener asks one at a time
/// anyway, and a worker flooding the channel then waits on its own full socket buffer and its own rate, never on the
/// host. A worker that stops reading its replies is given <see cref="NetBrokerOptions.SendPatience"/>, then dropped.</para>
/// <para>Name lookups hold no thread either (<see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>), are
/// bounded in time (<see cref="NetBrokerOptions.LookupTimeout"/>), and at most <see cref="MaxLookups"/> run at once in
/// this process, whatever the number of brokers. A name no rule could allow is never looked up.</para>
/// <para>The loop ends when the worker's end closes (end of file; an empty datagram reads the same) or on
/// <see cref="Dispose"/>; either way the channel is closed, so a worker still waiting sees end of file.</para>
/// </remarks>
public sealed class NetBroker : IDisposable
{
    /// <summary>Name lookups in flight at once across every broker of this process.</summary>
    public const int MaxLookups = 16;

    private static readonly SemaphoreSlim Lookups = new(MaxLookups, MaxLookups);

    private readonly Socket _channel;
    private readonly NetGuard _guard;
    private readonly NetBrokerOptions _options;
    private readonly TokenBucket _bucket;
    private readonly CancellationTokenSource _stop = new();
    private long _requests, _refused, _malformed, _throttled;

    private NetBroker(Socket channel, NetPolicy policy, NetBrokerOptions options)
    {
        _channel = channel;
        _guard = new NetGuard(policy);
        _options = options;
        _bucket = new TokenBucket(options.Burst, options.PerSecond, options.Time);
        Completion = Task.Run(ServeAsync);
    }

    /// <summary>Starts serving <paramref name="channel"/> (the parent's end of the pair; the broker owns and closes it).</summary>
    public static NetBroker Start(Socket channel, NetPolicy policy, NetBrokerOptions? options = null) =>
        new(channel, policy, options ?? NetBrokerOptions.Default);

    /// <summary>Completes when the loop has ended; never faults.</summary>
    public Task Completion { get; }

    public NetBrokerCounts Counts => new(Interlocked.Read(ref _requests), Interlocked.Read(ref _refused),
        Interlocked.Read(ref _malformed), Interlocked.Read(ref _throttled));

    /// <summary>Stops the loop and closes the channel. Does not wait for the loop (see <see cref="Completion"/>).</summary>
    public void Dispose()
    {
        try { _stop.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    private async Task ServeAsync()
    {
        // One byte more than a request: a longer datagram fills it and is malformed, not cut to size.
        var buffer = new byte[BrokerProtocol.RequestSize + 1];
        var stop = _stop.Token;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var wait = _bucket.Take();
                if (wait > TimeSpan.Zero)
                {
                    Interlocked.Increment(ref _throttled);
                    await Task.Delay(wait, _options.Time, stop).ConfigureAwait(false);
                }
                var length = await _channel.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false);
                if (length == 0) break;
                var (reply, socket) = await AnswerAsync(buffer.AsMemory(0, length), stop).ConfigureAwait(false);
                if (!await SendAsync(reply, socket, stop).ConfigureAwait(false)) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Disposed, or the worker's end broke: the loop is over either way.
        }
        catch (Exception)
        {
            // Nothing a worker sends may bring down its parent; a bug here ends this worker's network, nothing more.
        }
        finally
        {
            _channel.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>The reply to one datagram, and the socket to attach to it when one was opened.</summary>
    private async Task<(BrokerReply, Socket?)> AnswerAsync(ReadOnlyMemory<byte> datagram, CancellationToken stop)
    {
        if (!BrokerProtocol.TryParseRequest(datagram.Span, out var request, out var error))
        {
            Interlocked.Increment(ref _malformed);
            return (BrokerReply.Malformed(BrokerProtocol.PeekId(datagram.Span), error), null);
        }
        Interlocked.Increment(ref _requests);
        if (request!.Op == BrokerOp.Resolve) return (await ResolveAsync(request, stop).ConfigureAwait(false), null);

        var open = request.Open!;
        if (_guard.Check(open) is { } refusal)
        {
            Interlocked.Increment(ref _refused);
            return (BrokerReply.Refused(request.Id, refusal), null);
        }
        var result = HostSockets.Open(open, out var socket);
        return result == SocketError.Success ? (BrokerReply.Ok(request.Id), socket) : (BrokerReply.Failed(request.Id, result), null);
    }

    private async Task<BrokerReply> ResolveAsync(BrokerRequest request, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(_options.LookupTimeout);
        var entered = false;
        try
        {
            await Lookups.WaitAsync(timeout.Token).ConfigureAwait(false);
            entered = true;
            var lookup = _options.Lookup ?? ((name, cancel) => Dns.GetHostAddressesAsync(name, cancel));
            var (addresses, refusal) = await _guard.ResolveAsync(request.Name!, request.Port, lookup, timeout.Token).ConfigureAwait(false);
            if (addresses.Count == 0 && refusal is not null)
            {
                Interlocked.Increment(ref _refused);
                return BrokerReply.Refused(request.Id, refusal);
            }
            return BrokerReply.Ok(request.Id, addresses);
        }
        catch (SocketException e)
        {
            return BrokerReply.Failed(request.Id, e.SocketErrorCode);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return BrokerReply.Failed(request.Id, SocketError.TimedOut);
        }
        finally
        {
            if (entered) Lookups.Release();
        }
    }

    /// <summary>Sends one reply, with the socket's descriptor attached, then closes the broker's copy of the socket.</summary>
    /// <returns>False when the worker's end is gone or will not take the reply: the loop ends.</returns>
    private async Task<bool> SendAsync(BrokerReply reply, Socket? socket, CancellationToken stop)
    {
        var datagram = BrokerProtocol.Encode(reply);
        try
        {
            var waited = TimeSpan.Zero;
            var pause = TimeSpan.FromMilliseconds(1);
            while (true)
            {
                var errno = SendOnce(datagram, socket);
                if (errno == 0) return true;
                if (errno != UnixRights.EAGAIN || waited >= _options.SendPatience) return false;
                // The worker's receive buffer is full: it is not reading its replies. Wait without a thread.
                await Task.Delay(pause, _options.Time, stop).ConfigureAwait(false);
                waited += pause;
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
            }
        }
        finally
        {
            // The worker holds its own copy now (or never will); ours must not keep the connection or the port.
            socket?.Dispose();
        }
    }

    private int SendOnce(byte[] datagram, Socket? socket)
    {
        var channel = _channel.SafeHandle;
        var addedChannel = false;
        var addedSocket = false;
        try
        {
            channel.DangerousAddRef(ref addedChannel);
            var fd = -1;
            if (socket is not null)
            {
                socket.SafeHandle.DangerousAddRef(ref addedSocket);
                fd = (int)socket.SafeHandle.DangerousGetHandle();
            }
            return UnixRights.Send((int)channel.DangerousGetHandle(), datagram, fd, dontWait: true);
        }
        finally
        {
            if (addedSocket) socket!.SafeHandle.DangerousRelease();
            if (addedChannel) channel.DangerousRelease();
        }
    }
}
