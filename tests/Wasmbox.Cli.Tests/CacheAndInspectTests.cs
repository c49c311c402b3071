using System.Text.Json;

namespace Wasmbox.Cli.Tests;

public class CacheAndInspectTests
{
    [Fact]
    public void Compile_FillsCacheThatRunUses()
    {
        using var tmp = new TempDir();
        var first = WasmboxProcess.Run(["compile", "--cache-dir", tmp.Path, "examples/hello.wasm"]);
        Assert.Equal(0, first.ExitCode);
        Assert.StartsWith("compiled ", first.Stdout);
        var entry = Assert.Single(Directory.GetFiles(tmp.Path, "*.cwasm"));
        var written = File.GetLastWriteTimeUtc(entry);

        Assert.StartsWith("cached ", WasmboxProcess.Run(["compile", "--cache-dir", tmp.Path, "examples/hello.wasm"]).Stdout);
        Assert.Equal(0, WasmboxProcess.Run(["run", "--cache-dir", tmp.Path, "examples/hello.wasm"]).ExitCode);
        Assert.Equal(written, File.GetLastWriteTimeUtc(entry));
    }

    [Fact]
    public void Run_CorruptCacheEntry_RecompiledAndStillRuns()
    {
        using var tmp = new TempDir();
        WasmboxProcess.Run(["compile", "--cache-dir", tmp.Path, "examples/hello.wasm"]);
        var entry = Assert.Single(Directory.GetFiles(tmp.Path, "*.cwasm"));
        var bytes = File.ReadAllBytes(entry);
        File.WriteAllBytes(entry, bytes[..(bytes.Length - 10)]);

        var r = WasmboxProcess.Run(["run", "--cache-dir", tmp.Path, "examples/hello.wasm"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("hello from wasmbox\n", r.Stdout);
        Assert.Equal(bytes, File.ReadAllBytes(entry));
    }

    [Fact]
    public void Run_NoCache_WritesNothing()
    {
        using var tmp = new TempDir();
        var r = WasmboxProcess.Run(["run", "--no-cache", "examples/hello.wasm"], env: new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = tmp.Path });
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void Run_DefaultCache_IsUnderXdgCacheHome()
    {
        using var tmp = new TempDir();
        WasmboxProcess.Run(["run", "examples/hello.wasm"], env: new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = tmp.Path });
        Assert.Single(Directory.GetFiles(Path.Combine(tmp.Path, "wasmbox"), "*.cwasm"));
    }

    [Fact]
    public void Inspect_Table_ShowsCommandAndCapabilities()
    {
        var r = WasmboxProcess.Run(["inspect", "tests/guests/c/files.wasm"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("wasi command  yes", r.Stdout);
        Assert.Matches(@"capabilities  .*files", r.Stdout);
        Assert.Contains("wasi_snapshot_preview1.path_open", r.Stdout);
    }

    [Fact]
    public void Inspect_Json_IsParseable()
    {
        var r = WasmboxProcess.Run(["inspect", "--json", "tests/guests/wat/unknown_import.wat"]);
        Assert.Equal(0, r.ExitCode);
        var json = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.False(json.GetProperty("is_wasi_command").GetBoolean());
        Assert.Contains("env.host_magic", json.GetProperty("not_runnable_because").GetString());
    }
}
