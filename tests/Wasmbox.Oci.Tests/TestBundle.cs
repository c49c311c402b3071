using System.Text.Json.Nodes;

namespace Wasmbox.Oci.Tests;

/// <summary>
/// A hand-written OCI bundle in a temp folder: <c>rootfs/</c> holding test guests, and a <c>config.json</c> built
/// from <see cref="Config"/> (a minimal spec config; tests add or change fields before <see cref="Save"/>).
/// </summary>
internal sealed class TestBundle : IDisposable
{
    private readonly TempDir _dir = new("wasmbox-oci-bundle");

    public TestBundle(params string[] args)
    {
        Directory.CreateDirectory(Rootfs);
        Config = new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new JsonObject
            {
                ["terminal"] = false,
                ["args"] = new JsonArray(args.Select(a => (JsonNode)a).ToArray()),
                ["env"] = new JsonArray("PATH=/usr/bin:/bin"),
                ["cwd"] = "/",
            },
            ["root"] = new JsonObject { ["path"] = "rootfs", ["readonly"] = false },
            ["mounts"] = new JsonArray(),
            ["annotations"] = new JsonObject(),
        };
    }

    public string Path => _dir.Path;

    public string Rootfs => System.IO.Path.Combine(_dir.Path, "rootfs");

    public JsonObject Config { get; }

    public JsonObject Process => Config["process"]!.AsObject();

    public JsonObject Annotations => Config["annotations"]!.AsObject();

    /// <summary>Copies tests/guests/c/NAME.wasm into the rootfs as /NAME.wasm.</summary>
    public TestBundle WithGuest(string name)
    {
        File.Copy(Guests.C(name), System.IO.Path.Combine(Rootfs, name + ".wasm"), overwrite: true);
        return this;
    }

    public TestBundle Annotate(string key, string value)
    {
        Annotations[key] = value;
        return this;
    }

    public TestBundle Mount(string destination, string source, string type = "bind", params string[] options)
    {
        Config["mounts"]!.AsArray().Add(new JsonObject
        {
            ["destination"] = destination,
            ["type"] = type,
            ["source"] = source,
            ["options"] = new JsonArray(options.Select(o => (JsonNode)o).ToArray()),
        });
        return this;
    }

    /// <summary>Writes config.json and returns the bundle folder.</summary>
    public string Save()
    {
        File.WriteAllText(System.IO.Path.Combine(Path, "config.json"), Config.ToJsonString());
        return Path;
    }

    public void Dispose() => _dir.Dispose();
}
