using System.Text;
using System.Text.Json;

namespace Wasmbox.Oci.Cli;

/// <summary>
/// Where wasmbox-oci says what went wrong and what it left out: <c>--log FILE</c> in runc's formats (<c>json</c>: one
/// object per line with level, msg and time, as containerd's shim reads it; <c>text</c>: logrus's key=value line), and
/// stderr for errors, which podman shows.
/// </summary>
/// <remarks>
/// Why warnings go to stderr only when there is no <c>--log</c>: on <c>start</c> the caller's own stdio is attached
/// (podman runs it with its terminal), and a line there would be mistaken for the guest's output. Warnings are only
/// raised by <c>create</c>, so nothing is ever silently dropped.
/// </remarks>
internal sealed class OciLog(string? path, bool json, TextWriter stderr)
{
    public TextWriter Stderr { get; } = stderr;

    /// <summary>An error: on stderr as <c>wasmbox: …</c> and in the log file.</summary>
    public void Error(string message)
    {
        var line = OneLine(message);
        Stderr.WriteLine("wasmbox: " + line);
        Stderr.Flush();
        Append("error", line);
    }

    /// <summary>Something in the request wasmbox-oci does not honour (a config field it ignores), or a fallback.</summary>
    public void Warning(string message)
    {
        var line = OneLine(message);
        if (path is null)
        {
            Stderr.WriteLine("wasmbox: warning: " + line);
            Stderr.Flush();
        }
        Append("warning", line);
    }

    /// <summary>Worth knowing but nothing to act on (a field the jail covers more strictly); only in the log file.</summary>
    public void Info(string message) => Append("info", OneLine(message));

    private void Append(string level, string message)
    {
        if (path is null) return;
        // RFC 3339 in UTC with a literal Z. Why not "+00:00": the JSON writer escapes '+' as \u002B, and containerd's
        // shim (Go's time.Time.UnmarshalJSON, which reads the raw bytes) then fails to parse the line and reports
        // "unable to retrieve OCI runtime error" instead of our message (measured with containerd 1.6.20).
        var time = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        string line;
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("level", level);
                writer.WriteString("msg", message);
                writer.WriteString("time", time);
                writer.WriteEndObject();
            }
            line = Encoding.UTF8.GetString(buffer.ToArray());
        }
        else
        {
            line = $"time=\"{time}\" level={level} msg=\"{message.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"";
        }
        try
        {
            // O_APPEND: the shim and several calls of ours may write to the same file.
            File.AppendAllText(path, line + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Stderr.WriteLine($"wasmbox: cannot write the log {path}: {OneLine(e.Message)}");
        }
    }

    /// <summary>Keeps a message on one line whatever a library put into it.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
