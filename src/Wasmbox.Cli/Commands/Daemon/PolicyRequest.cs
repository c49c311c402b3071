using System.Text.Json;
using Wasmbox.Core.Policy;

namespace Wasmbox.Cli.Commands.Daemon;

/// <summary>
/// The policy of a <c>wasmbox spawn</c> as the daemon's API takes it: a JSON object with the keys of a policy file,
/// in the user's own words (the daemon validates them once, as a file would be). What depends on where the client
/// stands is settled here: relative host paths become absolute, and <c>--env NAME</c> takes this shell's value.
/// </summary>
internal static class PolicyRequest
{
    public static JsonElement ToJson(PolicySettings s)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            Paths(w, "dir", s.Dirs);
            Paths(w, "ro-dir", s.RoDirs);
            if (s.Env.Count > 0)
            {
                w.WriteStartArray("env");
                foreach (var e in s.Env) w.WriteStringValue(e.Text.Contains('=') ? e.Text : $"{e.Text}={Environment.GetEnvironmentVariable(e.Text) ?? throw new PolicyException($"{e.Source} '{e.Text}': not set in this environment, so there is nothing to copy; write {e.Text}=VALUE")}");
                w.WriteEndArray();
            }
            Scalar(w, "max-memory", s.MaxMemory);
            Scalar(w, "fuel", s.Fuel);
            Scalar(w, "timeout", s.Timeout);
            Scalar(w, "isolation", s.Isolation);
            Scalar(w, "max-open-files", s.MaxOpenFiles);
            Scalar(w, "max-disk-write", s.MaxDiskWrite);
            Scalar(w, "max-output", s.MaxOutput);
            Scalar(w, "cpu-time", s.CpuTime);
            Scalar(w, "cpus", s.Cpus);
            Scalar(w, "max-compile-time", s.MaxCompileTime);
            Scalar(w, "max-compile-memory", s.MaxCompileMemory);
            Scalar(w, "max-connections", s.MaxConnections);
            Scalar(w, "max-net-bytes", s.MaxNetBytes);
            Scalar(w, "seed", s.Seed);
            if (s.Deterministic is { } d) w.WriteBoolean("deterministic", d.Text == "true");
            if (s.Listen.Count > 0)
            {
                w.WriteStartArray("listen");
                foreach (var l in s.Listen) w.WriteStringValue(l.Text);
                w.WriteEndArray();
            }
            if (s.AllowNet.Count > 0)
            {
                w.WriteStartArray("allow-net");
                foreach (var r in s.AllowNet) w.WriteStringValue(r.Text);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }

    private static void Scalar(Utf8JsonWriter w, string key, SettingText? setting)
    {
        if (setting is not null) w.WriteString(key, setting.Text);
    }

    /// <summary>HOST[::GUEST] with HOST made absolute against the folder it was written in (the shell's, or the policy file's).</summary>
    private static void Paths(Utf8JsonWriter w, string key, List<SettingText> grants)
    {
        if (grants.Count == 0) return;
        w.WriteStartArray(key);
        foreach (var g in grants)
        {
            var parts = g.Text.Split("::", 2);
            var host = Path.GetFullPath(parts[0], g.BaseDirectory);
            // The guest path defaults to HOST as written, so keep what the user wrote when no GUEST was given.
            w.WriteStringValue(parts.Length == 2 ? $"{host}::{parts[1]}" : $"{host}::{parts[0]}");
        }
        w.WriteEndArray();
    }
}
