using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Wasmbox.Core.Api;

namespace Wasmbox.Cli.Daemon;

/// <summary>
/// A typed client of the daemon's API over its Unix socket. Every failure is a <see cref="DaemonException"/> with the
/// one line to print: the daemon's own problem detail, or how to start a daemon that is not running.
/// </summary>
internal sealed class DaemonClient : IDisposable
{
    private readonly HttpClient _http;

    public DaemonClient(string socket)
    {
        Socket = socket;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancel);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://wasmbox/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Socket { get; }

    /// <summary>The daemon named by <c>--host</c>, else <c>WASMBOX_HOST</c>, else the default socket.</summary>
    public static DaemonClient For(string? host)
    {
        host ??= Environment.GetEnvironmentVariable(DaemonAddress.HostVariable);
        if (host is null) return new DaemonClient(DaemonAddress.DefaultSocket(Environment.GetEnvironmentVariable));
        return DaemonAddress.SocketOf(host) is { } socket
            ? new DaemonClient(socket)
            : throw new DaemonException($"--host {host}: write unix:///path/to/wasmbox.sock");
    }

    public async Task<ModuleView?> GetModuleAsync(string sha256)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"v1/modules/{sha256}"), allowNotFound: true);
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? null : await ReadAsync(response, ApiJson.Default.ModuleView);
    }

    public async Task<ModuleView> UploadModuleAsync(byte[] module)
    {
        var content = new ByteArrayContent(module);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "v1/modules") { Content = content });
        return await ReadAsync(response, ApiJson.Default.ModuleView);
    }

    public async Task<SandboxView> SpawnAsync(SpawnRequest request)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, ApiJson.Default.SpawnRequest));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "v1/sandboxes") { Content = content });
        return await ReadAsync(response, ApiJson.Default.SandboxView);
    }

    public async Task<List<SandboxView>> ListAsync(string query)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "v1/sandboxes" + query));
        return await ReadAsync(response, ApiJson.Default.ListSandboxView);
    }

    public async Task<SandboxView> GetAsync(string id)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"v1/sandboxes/{Uri.EscapeDataString(id)}"));
        return await ReadAsync(response, ApiJson.Default.SandboxView);
    }

    public async Task<AuditView> AuditAsync(string id, string query)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"v1/sandboxes/{Uri.EscapeDataString(id)}/audit{query}"));
        return await ReadAsync(response, ApiJson.Default.AuditView);
    }

    public async Task<SandboxView> KillAsync(string id)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, $"v1/sandboxes/{Uri.EscapeDataString(id)}/kill"));
        return await ReadAsync(response, ApiJson.Default.SandboxView);
    }

    public async Task<SandboxView> WaitAsync(string id)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, $"v1/sandboxes/{Uri.EscapeDataString(id)}/wait"));
        return await ReadAsync(response, ApiJson.Default.SandboxView);
    }

    public async Task RemoveAsync(string id, bool force)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/sandboxes/{Uri.EscapeDataString(id)}{(force ? "?force=true" : "")}"));
    }

    /// <summary>One sample of the named sandboxes (every live one when none is named).</summary>
    public async Task<List<StatsView>> StatsAsync(IReadOnlyList<string> ids)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "v1/stats" + IdsQuery(ids, "?")));
        return await ReadAsync(response, ApiJson.Default.ListStatsView);
    }

    /// <summary>Calls <paramref name="each"/> with every sample the daemon streams (one per sandbox per second) until it stops.</summary>
    public async Task StreamStatsAsync(IReadOnlyList<string> ids, Action<StatsView> each)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "v1/stats?stream=true" + IdsQuery(ids, "&")), stream: true);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 0) each(JsonSerializer.Deserialize(line, ApiJson.Default.StatsView)!);
        }
    }

    private static string IdsQuery(IReadOnlyList<string> ids, string separator) =>
        ids.Count == 0 ? "" : separator + "ids=" + string.Join(',', ids.Select(Uri.EscapeDataString));

    /// <summary>Copies the logs to <paramref name="output"/> as they arrive; returns the dropped byte count the daemon reported.</summary>
    public async Task<long> CopyLogsAsync(string id, string query, Stream output)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"v1/sandboxes/{Uri.EscapeDataString(id)}/logs{query}"), stream: true);
        var dropped = response.Headers.TryGetValues("X-Wasmbox-Log-Dropped-Bytes", out var values) && long.TryParse(values.FirstOrDefault(), out var d) ? d : 0;
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[65536];
        int n;
        while ((n = await body.ReadAsync(buffer)) > 0)
        {
            output.Write(buffer, 0, n);
            output.Flush();
        }
        return dropped;
    }

    /// <summary>A streaming GET (server-sent events): the response with its body unread; refusals throw as for every call.</summary>
    public Task<HttpResponseMessage> OpenStreamAsync(string pathAndQuery, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id) request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return SendAsync(request, stream: true);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, bool allowNotFound = false, bool stream = false)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException)
        {
            throw new DaemonException($"no daemon answers on {Socket}; start one with 'wasmbox daemon' (as root: it listens on /run/wasmbox/wasmbox.sock), or point --host / {DaemonAddress.HostVariable} at it");
        }
        if (response.IsSuccessStatusCode || (allowNotFound && response.StatusCode == System.Net.HttpStatusCode.NotFound)) return response;
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            ProblemDetails? problem = null;
            try { problem = JsonSerializer.Deserialize(text, ApiJson.Default.ProblemDetails); }
            catch (JsonException) { }
            throw new DaemonException(problem?.Detail ?? $"the daemon answered {(int)response.StatusCode} {response.ReasonPhrase}", problem is null ? null : ProblemTypes.CodeOf(problem.Type), (int)response.StatusCode);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return JsonSerializer.Deserialize(bytes, type) ?? throw new DaemonException("the daemon sent an empty answer");
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A request the daemon refused, or no daemon: <see cref="Exception.Message"/> is the line to print.</summary>
internal sealed class DaemonException(string message, string? code = null, int? status = null) : Exception(message)
{
    public string? Code { get; } = code;
    public int? Status { get; } = status;
}
