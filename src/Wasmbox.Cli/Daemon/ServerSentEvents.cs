namespace Wasmbox.Cli.Daemon;

/// <summary>One server-sent event: its <c>id:</c> (null when it had none), <c>event:</c> (<c>message</c> by default) and <c>data:</c> lines joined by newlines.</summary>
internal sealed record ServerSentEvent(string? Id, string Event, string Data);

/// <summary>Reads the <c>text/event-stream</c> format (the WHATWG HTML "server-sent events" parsing rules, less <c>retry:</c>).</summary>
internal static class ServerSentEvents
{
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(Stream body, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(body, System.Text.Encoding.UTF8);
        string? id = null;
        string? type = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0 || type is not null) yield return new ServerSentEvent(id, type ?? "message", string.Join('\n', data));
                id = null;
                type = null;
                data.Clear();
                continue;
            }
            if (line[0] == ':') continue; // a comment: the daemon's heartbeat
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' ')) value = value[1..];
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data.Add(value); break;
            }
        }
    }
}
