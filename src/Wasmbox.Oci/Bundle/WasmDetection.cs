namespace Wasmbox.Oci.Bundle;

/// <summary>
/// Whether a bundle is a wasm container (run by Wasmbox) or an ordinary Linux one (handed to runc). The same rules as
/// crun's wasm handler, so images and pod specs written for crun behave the same here:
/// <list type="bullet">
/// <item>annotation <c>run.oci.handler=wasm</c> or <c>module.wasm.image/variant=compat</c>: wasm;</item>
/// <item>their <c>-smart</c> values (<c>wasm-smart</c>, <c>compat-smart</c>): wasm when process.args[0] ends in .wasm or .wat;</item>
/// <item>otherwise: wasm when process.args[0] names a file in the rootfs that starts with the wasm magic <c>\0asm</c>;</item>
/// <item>never for a pod's sandbox (pause) container, <c>io.kubernetes.cri.container-type=sandbox</c>, which CRI
/// annotates like the pod's other containers.</item>
/// </list>
/// </summary>
internal static class WasmDetection
{
    public const string HandlerAnnotation = "run.oci.handler", VariantAnnotation = "module.wasm.image/variant",
        ContainerTypeAnnotation = "io.kubernetes.cri.container-type";

    private static readonly byte[] Magic = [0x00, 0x61, 0x73, 0x6d];

    /// <summary>True when the bundle is wasm; <paramref name="reason"/> says which rule decided, for the log.</summary>
    public static bool IsWasm(OciBundle bundle, out string reason)
    {
        var annotations = bundle.Annotations;
        var args0 = bundle.Config.Process?.Args is [var first, ..] ? first : null;
        if (annotations.GetValueOrDefault(ContainerTypeAnnotation) == "sandbox")
        {
            reason = $"{ContainerTypeAnnotation}=sandbox (a pod's pause container)";
            return false;
        }
        var smartName = args0 is not null && (args0.EndsWith(".wasm", StringComparison.Ordinal) || args0.EndsWith(".wat", StringComparison.Ordinal));
        foreach (var (key, full, smart) in new[] { (HandlerAnnotation, "wasm", "wasm-smart"), (VariantAnnotation, "compat", "compat-smart") })
        {
            var value = annotations.GetValueOrDefault(key);
            if (value == full || (value == smart && smartName))
            {
                reason = $"annotation {key}={value}";
                return true;
            }
        }
        if (args0 is not null && StartsWithMagic(bundle, args0))
        {
            reason = $"{args0} in the rootfs starts with the wasm magic";
            return true;
        }
        reason = "no wasm annotation, and process.args[0] is not a wasm file in the rootfs";
        return false;
    }

    private static bool StartsWithMagic(OciBundle bundle, string args0)
    {
        try
        {
            var host = RootfsPath.Resolve(bundle.Rootfs, args0, bundle.Config.Process?.Cwd ?? "/");
            if (!File.Exists(host)) return false;
            Span<byte> head = stackalloc byte[4];
            using var file = File.OpenRead(host);
            return file.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual(Magic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Cli.OciException)
        {
            return false;
        }
    }
}
