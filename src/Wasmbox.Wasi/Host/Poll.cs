using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// poll_oneoff: decoding and encoding here; the waiting is Poller's.
public sealed partial class WasiHost
{
    /// <summary>
    /// The most subscriptions one <c>poll_oneoff</c> takes; more is <see cref="Errno.Inval"/>, as Linux's <c>poll</c>
    /// refuses more descriptors than <c>RLIMIT_NOFILE</c>. Why a limit: the host keeps state per subscription, and a
    /// guest must not make it allocate gigabytes with one call.
    /// </summary>
    public const uint MaxPollSubscriptions = 65_536;

    /// <summary>
    /// <c>poll_oneoff(in, out, nsubscriptions) -> nevents</c>: waits until at least one subscription has an event, then
    /// writes every event that occurred.
    /// </summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="inPtr">The subscriptions: <paramref name="nsubscriptions"/> × 48 bytes, aligned to 8 (layout: <see cref="Subscription"/>).</param>
    /// <param name="outPtr">Where the events go: up to <paramref name="nsubscriptions"/> × 32 bytes, aligned to 8 (layout: <see cref="Event"/>).</param>
    /// <param name="nsubscriptions">How many subscriptions; also the room the guest must leave for events.</param>
    /// <param name="neventsPtr">Where the number of events written goes (u32, aligned to 4).</param>
    /// <returns>
    /// <list type="bullet">
    /// <item><see cref="Errno.Success"/>: events written; a subscription's own failure is its event's <c>error</c> (no
    /// <c>poll_fd_readwrite</c> right: ENOTCAPABLE; a CPU-time clock: EINVAL).</item>
    /// <item><see cref="Errno.Badf"/>: a subscription names a descriptor that is not open, or one that cannot be waited
    /// on that way (a directory; stdin for writing; stdout or stderr for reading). Nothing written: Wasmtime fails the
    /// whole call so, and the official test suite expects it.</item>
    /// <item><see cref="Errno.Inval"/>: <paramref name="nsubscriptions"/> is 0 or above <see cref="MaxPollSubscriptions"/>;
    /// or a subscription has an unknown type, clock id or clock flag. Nothing written.</item>
    /// <item><see cref="Errno.Overflow"/>: a relative timeout added to its clock's current time passes 2^64 − 1. Nothing written.</item>
    /// </list>
    /// Traps: subscriptions out of bounds or misaligned (checked right after <paramref name="nsubscriptions"/>, before any
    /// waiting); events or <paramref name="neventsPtr"/> out of bounds or misaligned (checked after the wait, for the
    /// events actually written, before any of them is written, as Wasmtime checks only those).
    /// </returns>
    /// <remarks>
    /// Event order follows subscription order. <c>precision</c> is ignored (the host fires as soon as it can). How the
    /// wait works, and how <c>--deterministic</c> changes it: <see cref="Poller"/>.
    /// See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#poll_oneoff.
    /// </remarks>
    /// <exception cref="OperationCanceledException"><see cref="WasiContext.Interrupt"/> fired while waiting.</exception>
    public Errno PollOneoff(GuestMemory memory, uint inPtr, uint outPtr, uint nsubscriptions, uint neventsPtr)
    {
        if (nsubscriptions == 0 || nsubscriptions > MaxPollSubscriptions) return Errno.Inval;
        GuestRegions.Require(memory, inPtr, nsubscriptions, Subscription.Size, Subscription.Alignment);
        var input = memory.Slice(inPtr, nsubscriptions * Subscription.Size);
        var subscriptions = new Subscription[nsubscriptions];
        for (var i = 0; i < subscriptions.Length; i++)
        {
            var errno = Subscription.Read(input.Slice(i * (int)Subscription.Size, (int)Subscription.Size), out subscriptions[i]);
            if (errno != Errno.Success) return errno;
        }
        foreach (var s in subscriptions)
            if (s.Type != Eventtype.Clock && !CanWaitOn(s)) return Errno.Badf;

        var events = new List<Event>();
        var result = new Poller(Context).Wait(subscriptions, events);
        if (result != Errno.Success) return result;

        // Re-fetched after the wait: the check needs only the events actually written, and no span is held across it.
        GuestRegions.Require(memory, outPtr, (uint)events.Count, Event.Size, Event.Alignment);
        GuestRegions.RequireU32(memory, neventsPtr);
        var output = memory.Slice(outPtr, (uint)events.Count * Event.Size);
        for (var i = 0; i < events.Count; i++) events[i].WriteTo(output[(i * (int)Event.Size)..]);
        memory.WriteU32(neventsPtr, (uint)events.Count);
        return Errno.Success;
    }

    /// <summary>Whether <paramref name="s"/> names an open descriptor that can be waited on for its event type.</summary>
    private bool CanWaitOn(Subscription s) =>
        s.Fd <= int.MaxValue && Context.Fds.Get((int)s.Fd) is { } fd && fd.Pollable(write: s.Type == Eventtype.FdWrite);
}
