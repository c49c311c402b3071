using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Wasmbox.Core.Api;
using Wasmbox.Core.Outcomes;
using Wasmbox.Supervisor.State;
using Wasmbox.Supervisor.Table;
using SupervisorCore = Wasmbox.Supervisor.Table.Supervisor;

namespace Wasmbox.Daemon.Api;

/// <summary>
/// Live samples of sandboxes' use: <c>GET /v1/sandboxes/{id}/stats</c> for one, <c>GET /v1/stats[?ids=a,b]</c> for
/// several (every live one by default). One answer by default; <c>?stream=true</c> sends one JSON line per sandbox every
/// second (NDJSON) until the client leaves or, for one sandbox, until it ends.
/// </summary>
/// <remarks>Why two samples per answer: CPU % is a rate, so even a single answer samples twice, <see cref="Interval"/> apart.</remarks>
internal static class StatsApi
{
    /// <summary>Between the two samples of a single answer.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>Between the lines of a stream.</summary>
    public static readonly TimeSpan StreamInterval = TimeSpan.FromSeconds(1);

    public static void Map(IEndpointRouteBuilder app, SupervisorCore supervisor)
    {
        app.MapGet("/v1/sandboxes/{id}/stats", async (string id, bool? stream, HttpContext context) =>
        {
            try { supervisor.Get(id); }
            catch (SupervisorException e) { return Problems.Of(e, context); }
            return await Answer(supervisor, context, () => [id], stream == true, endWhenFinal: true);
        });

        app.MapGet("/v1/stats", async (string? ids, bool? stream, HttpContext context) =>
        {
            var named = ids?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (named is not null)
            {
                foreach (var one in named)
                {
                    try { supervisor.Get(one); }
                    catch (SupervisorException e) { return Problems.Of(e, context); }
                }
            }
            IReadOnlyList<string> Targets() => (IReadOnlyList<string>?)named ?? supervisor.List().Where(r => !r.State.IsFinal()).Select(r => r.Id).ToList();
            return await Answer(supervisor, context, Targets, stream == true, endWhenFinal: false);
        });
    }

    private static async Task<IResult> Answer(SupervisorCore supervisor, HttpContext context, Func<IReadOnlyList<string>> targets, bool stream, bool endWhenFinal)
    {
        var ct = context.RequestAborted;
        if (!stream)
        {
            var first = Take(supervisor, targets());
            await Settle(supervisor, first, Interval, ct);
            var views = first.Select(f => View(supervisor, f, Interval)).ToList();
            return endWhenFinal ? Results.Json(views.Single(), ApiJson.Default.StatsView) : Results.Json(views, ApiJson.Default.ListStatsView);
        }
        context.Response.ContentType = "application/x-ndjson";
        try
        {
            await context.Response.StartAsync(ct);
            var previous = Take(supervisor, targets());
            while (!ct.IsCancellationRequested)
            {
                await Settle(supervisor, previous, StreamInterval, ct);
                var lines = previous.Select(p => View(supervisor, p, StreamInterval)).ToList();
                foreach (var view in lines)
                {
                    await context.Response.WriteAsync(JsonSerializer.Serialize(view, ApiJson.Default.StatsView) + "\n", ct);
                }
                await context.Response.Body.FlushAsync(ct);
                if (endWhenFinal && lines.All(v => SandboxStates.TryParse(v.State, out var s) && s.IsFinal())) break;
                previous = Take(supervisor, targets());
            }
        }
        catch (OperationCanceledException) { } // the client went away
        catch (SupervisorException) { } // removed while followed
        return Results.Empty;
    }

    /// <summary>
    /// Waits <paramref name="interval"/> between two samples, asking the sandboxes' workers meanwhile for their guests'
    /// counters (answered within the interval, so the second sample carries them).
    /// </summary>
    private static async Task Settle(SupervisorCore supervisor, List<(string Id, LiveUsage? Usage)> sampled, TimeSpan interval, CancellationToken ct)
    {
        var delay = Task.Delay(interval, ct);
        await supervisor.RefreshAsync(sampled.Select(s => s.Id).ToList(), interval, ct);
        await delay;
    }

    /// <summary>A first sample of each sandbox (those removed since are left out).</summary>
    private static List<(string Id, LiveUsage? Usage)> Take(SupervisorCore supervisor, IReadOnlyList<string> ids)
    {
        var samples = new List<(string, LiveUsage?)>();
        foreach (var id in ids)
        {
            try { samples.Add((id, supervisor.Sample(id).Usage)); }
            catch (SupervisorException) { }
        }
        return samples;
    }

    /// <summary>The view from a second sample, with CPU % over the time since <paramref name="first"/>.</summary>
    private static StatsView View(SupervisorCore supervisor, (string Id, LiveUsage? Usage) first, TimeSpan interval)
    {
        var (record, usage) = supervisor.Sample(first.Id);
        var cpuPercent = usage is not null && first.Usage is { } before && usage.Uptime > before.Uptime
            ? Math.Round(100 * (usage.Cpu - before.Cpu).TotalSeconds / (usage.Uptime - before.Uptime).TotalSeconds, 1)
            : 0;
        return new StatsView(record.Id, record.Name, record.State.Name(), record.Run, record.Run - 1,
            Math.Round(usage?.Uptime.TotalSeconds ?? 0, 3), Math.Round(usage?.Cpu.TotalSeconds ?? 0, 3), Math.Max(0, cpuPercent),
            usage?.MemoryBytes ?? 0, usage?.MemoryLimitBytes, usage?.Pids, DateTimeOffset.UtcNow)
        {
            Guest = usage?.Guest is { } guest ? GuestView(guest, record.Policy.Limits) : null,
        };
    }

    private static GuestStatsView GuestView(GuestCounters g, Wasmbox.Core.Policy.SandboxLimits limits) => new(
        g.MemoryBytes, limits.MaxMemoryBytes, g.FuelConsumed, limits.Fuel, g.Io.OutputBytes, limits.MaxOutputBytes,
        g.Io.DiskWrittenBytes, limits.MaxDiskWriteBytes, g.OpenFds, limits.MaxOpenFiles, g.Io.BytesRead, g.Io.BytesWritten,
        g.Refusals, g.Net?.BytesSent, g.Net?.BytesReceived);
}
