using System.Text.Json;
using Wasmbox.Core.Policy;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Bundle;

/// <summary>
/// Wasmbox's own settings as annotations: <c>io.wasmbox.KEY=VALUE</c> where KEY is a policy-file key
/// (<c>io.wasmbox.fuel=1000000</c>, <c>io.wasmbox.timeout=5s</c>, <c>io.wasmbox.max-output=1MiB</c>), read by
/// <see cref="PolicyFile"/> so that they are checked with the same words as a policy file; plus
/// <c>io.wasmbox.trace=true</c>. <c>io.wasmbox.allow-net</c> takes one or more <c>--allow-net</c> rules and
/// <c>io.wasmbox.listen</c> one or more <c>--listen</c> addresses, separated by spaces or commas
/// (<c>io.wasmbox.allow-net=api.example.com:443,10.0.0.0/8:*</c>, <c>io.wasmbox.listen=0.0.0.0:8080</c>); the guest's
/// sockets and listeners are opened in the container's network namespace (see <see cref="NamespacePaths"/>). The
/// listeners are preopened after the grants: after the rootfs (fd 3) and the bind mounts.
/// </summary>
/// <remarks>
/// Some keys are refused here because the bundle already says them in OCI's own words, and two sources for one
/// setting would disagree: grants are mounts, the environment is process.env, stdin is the container's, memory and
/// CPU are linux.resources.
/// </remarks>
internal static class AnnotationSettings
{
    public const string Prefix = "io.wasmbox.", Trace = Prefix + "trace";

    private static readonly Dictionary<string, string> SaidElsewhere = new(StringComparer.Ordinal)
    {
        ["dir"] = "bind-mount the folder instead (podman -v, a Kubernetes volume)",
        ["ro-dir"] = "bind-mount the folder read-only instead (podman -v SRC:DST:ro)",
        ["env"] = "set the variable in the container's environment instead (podman -e, the pod's env)",
        ["stdin"] = "the guest reads the container's own stdin",
        ["max-memory"] = "set the container's memory limit instead (podman -m, resources.limits.memory); it becomes the guest's max-memory",
        ["cpus"] = "set the container's CPU limit instead (podman --cpus, resources.limits.cpu)",
    };

    /// <summary>The io.wasmbox.* annotations as settings, and whether tracing is on; throws naming the first bad one.</summary>
    public static (PolicySettings Settings, bool Trace) Read(IReadOnlyDictionary<string, string> annotations, string baseDirectory)
    {
        var settings = new PolicySettings();
        var trace = false;
        foreach (var (name, value) in annotations.Where(a => a.Key.StartsWith(Prefix, StringComparison.Ordinal)).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var key = name[Prefix.Length..];
            if (name == Trace)
            {
                trace = value switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw new OciException($"annotation {name}: '{value}' is not true or false"),
                };
                continue;
            }
            if (SaidElsewhere.TryGetValue(key, out var instead))
                throw new OciException($"annotation {name} is not accepted: {instead}");
            if (key == "isolation" && value == "none")
                throw new OciException($"annotation {name}=none is not accepted: a container's guest must be killable; write process or jail");
            settings = settings.OverlaidWith(PolicyFile.FromJson(AsJson(key, value), $"annotation {name}", baseDirectory));
        }
        return (settings, trace);
    }

    /// <summary>Annotations are one string; a policy file writes <c>allow-net</c> and <c>listen</c> as lists.</summary>
    private static readonly char[] RuleSeparators = [' ', ',', '\t', '\n'];

    /// <summary>{"KEY": VALUE}: annotations are strings, but a policy file writes <c>deterministic</c> as a boolean and <c>allow-net</c> and <c>listen</c> as lists.</summary>
    private static JsonElement AsJson(string key, string value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (key == "deterministic" && value is "true" or "false") writer.WriteBoolean(key, value == "true");
            else if (key is "allow-net" or "listen")
            {
                writer.WriteStartArray(key);
                foreach (var rule in value.Split(RuleSeparators, StringSplitOptions.RemoveEmptyEntries)) writer.WriteStringValue(rule);
                writer.WriteEndArray();
            }
            else writer.WriteString(key, value);
            writer.WriteEndObject();
        }
        using var doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.Clone();
    }
}
