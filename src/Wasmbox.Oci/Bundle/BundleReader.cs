using System.Text.Json;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Bundle;

/// <summary>A bundle as read from disk: its folder, its parsed config.json, and its rootfs as an absolute host path.</summary>
internal sealed record OciBundle(string Directory, OciConfig Config, string Rootfs)
{
    public IReadOnlyDictionary<string, string> Annotations => Config.Annotations ?? [];
}

/// <summary>Reads <c>BUNDLE/config.json</c> and checks what every later step relies on.</summary>
internal static class BundleReader
{
    public static OciBundle Read(string bundleDirectory)
    {
        var dir = Path.GetFullPath(bundleDirectory);
        var file = Path.Combine(dir, "config.json");
        OciConfig? config;
        try
        {
            using var stream = File.OpenRead(file);
            config = JsonSerializer.Deserialize(stream, OciConfigJson.Default.OciConfig);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OciException($"no config.json in the bundle {dir}; give the bundle folder with --bundle");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OciException($"cannot read {file}: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new OciException($"{file} is not a valid OCI config ({e.Message}); fix the bundle");
        }
        if (config is null) throw new OciException($"{file} holds null; write an OCI config object");
        if (config.OciVersion is not { } version || !version.StartsWith("1.", StringComparison.Ordinal))
            throw new OciException($"{file}: ociVersion '{config.OciVersion}' is not supported; wasmbox-oci reads OCI runtime spec 1.x configs");
        if (config.Root?.Path is not { Length: > 0 } rootPath)
            throw new OciException($"{file}: root.path is missing; a container needs a rootfs");
        var rootfs = Path.GetFullPath(rootPath, dir);
        if (!System.IO.Directory.Exists(rootfs))
            throw new OciException($"{file}: root.path {rootfs} is not a directory; check the bundle (is the rootfs mounted?)");
        return new OciBundle(dir, config, Path.TrimEndingDirectorySeparator(rootfs));
    }
}
