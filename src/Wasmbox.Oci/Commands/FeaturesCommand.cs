using System.Text.Json;

namespace Wasmbox.Oci.Commands;

/// <summary>
/// <c>features</c>: what this runtime supports, in the runtime-spec's features.md shape. It lists only what wasmbox-oci
/// itself applies to a wasm container; runc's own features apply to containers handed to it.
/// </summary>
internal static class FeaturesCommand
{
    public static int Run(Cli.OciContext context)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("ociVersionMin", "1.0.0");
            w.WriteString("ociVersionMax", StateCommand.OciVersion);
            w.WriteStartArray("hooks");
            w.WriteEndArray();
            w.WriteStartArray("mountOptions");
            foreach (var o in new[] { "bind", "rbind", "ro", "rw" }) w.WriteStringValue(o);
            w.WriteEndArray();
            w.WriteStartObject("linux");
            w.WriteStartArray("namespaces");
            w.WriteEndArray();
            w.WriteStartArray("capabilities");
            w.WriteEndArray();
            w.WriteStartObject("cgroup");
            w.WriteBoolean("v1", true);
            w.WriteBoolean("v2", true);
            w.WriteBoolean("systemd", false);
            w.WriteBoolean("systemdUser", false);
            w.WriteEndObject();
            w.WriteStartObject("seccomp");
            w.WriteBoolean("enabled", false);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("annotations");
            w.WriteString("io.wasmbox.oci.wasm-detection", "run.oci.handler=wasm|wasm-smart, module.wasm.image/variant=compat|compat-smart, or wasm magic in process.args[0]");
            w.WriteString("io.wasmbox.oci.settings", "io.wasmbox.<policy-file key>, io.wasmbox.trace");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        context.Stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        return 0;
    }
}
