using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wasmbox.Core.Api;
using Wasmbox.Supervisor.Events;
using SupervisorCore = Wasmbox.Supervisor.Table.Supervisor;

namespace Wasmbox.Daemon.Api;

/// <summary>
/// <c>GET /v1/events</c>: the supervisor's events as server-sent events (<c>text/event-stream</c>): <c>id:</c> the sequence
/// number, <c>event:</c> the kind, <c>data:</c> one JSON object (<see cref="EventView"/>), a blank line.
/// </summary>
/// <remarks>
/// Query: <c>sandbox=ID|NAME</c> (repeatable: events of those sandboxes), <c>kind=K[,K…]</c> (repeatable), <c>since=N</c>
/// (resume after event N; the <c>Last-Event-ID</c> header does the same and wins), <c>follow=false</c> (send what the
/// daemon still holds, then end), <c>heartbeat=SECONDS</c> (a comment line when nothing happened for that long; default 15).
/// Besides sandbox events the stream may carry <c>gap</c> (a resume asked for events no longer kept), <c>overflow</c>
/// (this client fell too far behind and is cut off: reconnect with <c>Last-Event-ID</c>) and <c>shutdown</c> (the daemon
/// is stopping); their data is a <see cref="StreamNotice"/>. A slow client never slows the daemon (<see cref="EventHub"/>).
/// </remarks>
internal static class EventsApi
{
    public static readonly TimeSpan DefaultHeartbeat = TimeSpan.FromSeconds(15);

    public static void Map(IEndpointRouteBuilder app, SupervisorCore supervisor)
    {
        app.MapGet("/v1/events", async (HttpContext context) =>
        {
            var query = context.Request.Query;
            var sandboxes = query["sandbox"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToHashSet(StringComparer.Ordinal);
            var kinds = new HashSet<EventKind>();
            foreach (var word in query["kind"].SelectMany(k => (k ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                if (!EventKinds.TryParse(word, out var kind)) return Problems.BadRequest(context, $"kind '{word}' is not one of {EventKinds.AllNames}");
                kinds.Add(kind);
            }
            long? after = null;
            var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
            var since = lastEventId.Length > 0 ? lastEventId : query["since"].ToString();
            if (since.Length > 0)
            {
                if (!long.TryParse(since, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    return Problems.BadRequest(context, $"since '{since}': write an event's sequence number (0 for everything the daemon still holds)");
                after = n;
            }
            var follow = true;
            if (query["follow"].ToString() is { Length: > 0 } f && !bool.TryParse(f, out follow))
                return Problems.BadRequest(context, $"follow '{f}': write true or false");
            var heartbeat = DefaultHeartbeat;
            if (query["heartbeat"].ToString() is { Length: > 0 } h)
            {
                if (!double.TryParse(h, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds is < 0.1 or > 3600)
                    return Problems.BadRequest(context, $"heartbeat '{h}': write seconds between 0.1 and 3600");
                heartbeat = TimeSpan.FromSeconds(seconds);
            }

            Func<SandboxEvent, bool>? filter = null;
            if (sandboxes.Count > 0 || kinds.Count > 0)
            {
                filter = e => (kinds.Count == 0 || kinds.Contains(e.Kind))
                              && (sandboxes.Count == 0 || (e.SandboxId is { } id && sandboxes.Contains(id)) || (e.Name is { } name && sandboxes.Contains(name)));
            }

            var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            using var subscription = supervisor.Events.Subscribe(after, filter);
            await StreamAsync(context, subscription, follow, heartbeat, stopping);
            return Results.Empty;
        });
    }

    private static async Task StreamAsync(HttpContext context, EventSubscription subscription, bool follow, TimeSpan heartbeat, CancellationToken stopping)
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var token = linked.Token;
        var body = new StringBuilder();
        long lastSent = 0;
        try
        {
            // A comment first, so the client has the headers at once even when nothing happens for a while.
            body.Append(": wasmbox events\n\n");
            if (subscription.Gap is { } gap)
                Notice(body, "gap", $"events {gap.From} to {gap.To} are no longer kept by the daemon", gap.From, gap.To);
            var reader = subscription.Reader;
            Task<bool>? pending = null;
            while (true)
            {
                while (reader.TryRead(out var e))
                {
                    Event(body, e);
                    lastSent = e.Seq;
                }
                await FlushAsync(context, body, token);
                if (!follow) return;
                pending ??= reader.WaitToReadAsync(token).AsTask();
                var tick = Task.Delay(heartbeat, token);
                if (await Task.WhenAny(pending, tick) == tick)
                {
                    token.ThrowIfCancellationRequested();
                    body.Append(": heartbeat\n\n");
                    continue;
                }
                var more = await pending;
                pending = null;
                if (!more) break;
            }
            // The hub completed this subscription: cut off for lagging, or the daemon is closing.
            if (subscription.Overflowed)
                Notice(body, "overflow", $"this client fell more than {subscription.Buffer} events behind and was cut off; reconnect with Last-Event-ID: {lastSent}", lastSent + 1, null);
            else
                Notice(body, "shutdown", "the daemon is shutting down", null, null);
            await FlushAsync(context, body, CancellationToken.None);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            body.Clear();
            Notice(body, "shutdown", "the daemon is shutting down", null, null);
            try { await FlushAsync(context, body, CancellationToken.None); }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException) { }
        }
        catch (OperationCanceledException) { } // the client went away
        catch (IOException) { }
    }

    private static async Task FlushAsync(HttpContext context, StringBuilder body, CancellationToken token)
    {
        if (body.Length > 0)
        {
            await context.Response.WriteAsync(body.ToString(), token);
            body.Clear();
        }
        await context.Response.Body.FlushAsync(token);
    }

    private static void Event(StringBuilder body, SandboxEvent e) =>
        body.Append("id: ").Append(e.Seq.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("event: ").Append(e.Kind.Name()).Append('\n')
            .Append("data: ").Append(JsonSerializer.Serialize(View(e), EventJson.Default.EventView)).Append("\n\n");

    private static void Notice(StringBuilder body, string kind, string message, long? from, long? to) =>
        body.Append("event: ").Append(kind).Append('\n')
            .Append("data: ").Append(JsonSerializer.Serialize(new StreamNotice(kind, message, from, to), EventJson.Default.StreamNotice)).Append("\n\n");

    public static EventView View(SandboxEvent e) => new(e.Seq, e.At, e.Kind.Name(), e.SandboxId, e.Name)
    {
        State = e.State,
        Outcome = e.Outcome,
        ExitStatus = e.ExitStatus,
        Message = e.Message,
        LimitsHit = e.LimitsHit,
        WallMs = e.WallMs,
        CpuMs = e.CpuMs,
        FuelConsumed = e.FuelConsumed,
        PeakMemoryBytes = e.PeakMemoryBytes,
        Limit = e.Limit,
        Reason = e.Reason,
        BackoffMs = e.BackoffMs,
        RestartCount = e.RestartCount,
        Call = e.Call,
        Path = e.Path,
        Address = e.Address,
        Errno = e.Errno,
        Pool = e.Pool,
    };
}
