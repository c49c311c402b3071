using Wasmbox.Core.Net.Interop;

namespace Wasmbox.Core.Net;

/// <summary>Why a <see cref="BrokerClient.Call"/> got no reply.</summary>
public enum BrokerFailure
{
    None,
    /// <summary>The channel is closed or broken: the broker (the parent) has gone away. Every later call fails the same way.</summary>
    Gone,
    /// <summary>No reply within <see cref="BrokerClient.ReplyTimeout"/>; a late one is skipped by its id.</summary>
    TimedOut,
    /// <summary>The reply was not one a valid broker sends; the channel is given up.</summary>
    BadReply,
}

/// <summary>
/// The worker's side of the broker channel: one request at a time, a blocking wait for its reply, and the descriptor that
/// came with it. Thread-safe (callers take turns).
/// </summary>
/// <remarks>
/// Why ids: a call that timed out leaves its reply on the way; the next call reads it first and must not take it for its
/// own (nor keep its descriptor, which is closed).
/// </remarks>
/// <param name="fd">The inherited end of the pair; the client never closes it (the worker ends with it).</param>
public sealed class BrokerClient(int fd)
{
    private readonly Lock _gate = new();
    private readonly byte[] _buffer = new byte[BrokerProtocol.ReplySize + 1];
    private uint _lastId;
    private bool _broken;

    /// <summary>How long a call waits for its reply. Longer than the broker's own lookup timeout plus its rate's wait.</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Sends the request <paramref name="make"/> builds for the id given, and waits for its reply.</summary>
    /// <param name="descriptor">The socket that came with an ok open reply (the caller owns it), else -1.</param>
    /// <returns>The reply, or null and why not.</returns>
    /// <exception cref="ArgumentException">The request cannot be encoded (see <see cref="BrokerProtocol.Encode(BrokerRequest)"/>).</exception>
    public BrokerReply? Call(Func<uint, BrokerRequest> make, out int descriptor, out BrokerFailure failure)
    {
        descriptor = -1;
        lock (_gate)
        {
            if (_broken) return Fail(BrokerFailure.Gone, out failure);
            var id = ++_lastId;
            var request = make(id);
            var datagram = BrokerProtocol.Encode(request);
            if (UnixRights.Send(fd, datagram, -1, dontWait: false) != 0) return Break(BrokerFailure.Gone, out failure);

            var deadline = Environment.TickCount64 + (long)ReplyTimeout.TotalMilliseconds;
            while (true)
            {
                var left = (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue);
                if (!UnixRights.WaitReadable(fd, left)) return Fail(BrokerFailure.TimedOut, out failure);
                if (UnixRights.Receive(fd, _buffer, out var length, out var received, out var truncated) != 0 || length == 0)
                {
                    UnixRights.Close(received);
                    return Break(BrokerFailure.Gone, out failure);
                }
                if (truncated || !BrokerProtocol.TryParseReply(_buffer.AsSpan(0, length), out var reply, out _))
                {
                    UnixRights.Close(received);
                    return Break(BrokerFailure.BadReply, out failure);
                }
                if (reply!.Id != id)
                {
                    UnixRights.Close(received); // the reply to a call that gave up waiting
                    continue;
                }
                var wantsDescriptor = reply.Status == BrokerStatus.Ok && request.Op != BrokerOp.Resolve;
                if (wantsDescriptor != received >= 0)
                {
                    UnixRights.Close(received);
                    return Break(BrokerFailure.BadReply, out failure);
                }
                descriptor = received;
                failure = BrokerFailure.None;
                return reply;
            }
        }
    }

    private BrokerReply? Break(BrokerFailure why, out BrokerFailure failure)
    {
        _broken = true;
        return Fail(why, out failure);
    }

    private static BrokerReply? Fail(BrokerFailure why, out BrokerFailure failure)
    {
        failure = why;
        return null;
    }
}
