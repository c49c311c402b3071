using Wasmbox.Runtime.Modules;

namespace Wasmbox.Runtime.Tests.Modules;

public class ModuleInspectorTests
{
    [Fact]
    public void Inspect_Hello_IsCommandWithFdAndProcCapabilities()
    {
        var info = ModuleInspector.Inspect(Guests.C("hello"));
        Assert.True(info.IsWasiCommand);
        Assert.Null(info.NotRunnableBecause);
        Assert.Contains("fd", info.WasiCapabilities);
        Assert.Contains("proc", info.WasiCapabilities);
        Assert.DoesNotContain("files", info.WasiCapabilities);
        Assert.Contains(info.Imports, i => i is { Module: "wasi_snapshot_preview1", Name: "fd_write", Kind: "func", Type: "(i32, i32, i32, i32) -> (i32)", WasiGroup: "fd" });
        Assert.Contains(info.Exports, e => e is { Name: "_start", Kind: "func", Type: "() -> ()" });
        Assert.Contains(info.Memories, m => m is { Name: "memory", Imported: false });
    }

    [Fact]
    public void Inspect_FilesGuest_NeedsFiles()
    {
        Assert.Contains("files", ModuleInspector.Inspect(Guests.C("files")).WasiCapabilities);
    }

    [Theory]
    [InlineData("unknown_import", false, false)]
    [InlineData("reactor", false, true)]
    [InlineData("no_start", false, false)]
    [InlineData("loop", true, false)]
    public void Inspect_Kinds(string guest, bool command, bool reactor)
    {
        var info = ModuleInspector.Inspect(Guests.Wat(guest));
        Assert.Equal(command, info.IsWasiCommand);
        Assert.Equal(reactor, info.IsWasiReactor);
        Assert.Equal(command, info.NotRunnableBecause is null);
    }

    [Fact]
    public void Inspect_Json_HasSnakeCaseFields()
    {
        var json = System.Text.Json.JsonDocument.Parse(ModuleInspector.Inspect(Guests.C("hello")).ToJson()).RootElement;
        Assert.True(json.GetProperty("is_wasi_command").GetBoolean());
        Assert.Equal(64, json.GetProperty("sha256").GetString()!.Length);
    }
}
