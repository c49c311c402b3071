using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Wasmbox.Daemon.Metrics;

/// <summary><c>GET /metrics</c>: the Prometheus text format 0.0.4 (docs/metrics.md). On the TCP listener it needs the token like every route.</summary>
internal static class MetricsApi
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(IEndpointRouteBuilder app, DaemonMetrics metrics)
    {
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            // Rendered into memory first: the library writes through a buffered stream, and Kestrel refuses synchronous writes.
            using var buffer = new MemoryStream();
            await metrics.WriteAsync(buffer, context.RequestAborted);
            context.Response.ContentType = ContentType;
            context.Response.Headers.CacheControl = "no-store";
            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
            return Results.Empty;
        });
    }
}
