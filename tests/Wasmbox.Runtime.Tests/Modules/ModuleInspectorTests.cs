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

    [Fact]
    public void Inspect_NetGuest_NeedsNet_AndIsRunnable()
    {
        var info = ModuleInspector.Inspect(Guests.C("net"));
        Assert.Contains("net", info.WasiCapabilities);
        Assert.True(info.IsWasiCommand, info.NotRunnableBecause);
        Assert.All(info.Imports.Where(i => i.Module == "wasix_32v1"), i => Assert.Equal("net", i.WasiGroup));
        Assert.DoesNotContain("net", ModuleInspector.Inspect(Guests.C("hello")).WasiCapabilities);
    }

    [Fact]
    public void Inspect_UnservedWasixImport_IsNotRunnable_AndSaysWhich()
    {
        using var tmp = new TempDir();
        var path = tmp.File("dup.wat");
        File.WriteAllText(path, """
            (module
              (import "wasix_32v1" "fd_dup" (func (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "_start")))
            """);
        var info = ModuleInspector.Inspect(path);
        Assert.False(info.IsWasiCommand);
        Assert.Contains("wasix_32v1.fd_dup", info.NotRunnableBecause);
        Assert.Contains("WASIX socket functions", info.NotRunnableBecause);
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

/// <summary>
/// Issue 10 item 4: inspect reads a module's interface from its sections without compiling it. What it reads must be
/// what Wasmtime's compiled module reports (the inspector's source before), for every guest the tests hold and for a
/// module with every kind of import and export.
/// </summary>
public class ModuleInterfaceTests
{
    private const string EveryKind = """
        (module
          (type $t (func (param i32 i64) (result f32)))
          (import "env" "f" (func (type $t)))
          (import "env" "tbl" (table 1 10 funcref))
          (import "env" "mem" (memory i64 1 2))
          (import "env" "g" (global (mut f64)))
          (memory $m 2)
          (memory $n 1 5)
          (table $tt 3 externref)
          (global $a i32 (i32.const 7))
          (global $b (mut i64) (i64.add (i64.const 1) (i64.const 2)))
          (global $c v128 (v128.const i32x4 1 2 3 4))
          (func $two (param f64) (result i32 i32) (i32.const 0) (i32.const 1))
          (func $start)
          (export "_start" (func $start))
          (export "two" (func $two))
          (export "imported" (func 0))
          (export "memory" (memory $m))
          (export "second" (memory $n))
          (export "mem64" (memory 0))
          (export "t" (table $tt))
          (export "a" (global $a))
          (export "b" (global $b))
          (export "c" (global $c))
          (export "g" (global 0)))
        """;

    public static TheoryData<string> Modules()
    {
        var data = new TheoryData<string> { "every-kind" };
        foreach (var dir in new[] { "c", "conformance", "wat", "hostile" })
            foreach (var file in Directory.GetFiles(Path.Combine(Guests.RepoRoot, "tests", "guests", dir)).Order(StringComparer.Ordinal))
                if (file.EndsWith(".wasm", StringComparison.Ordinal) || file.EndsWith(".wat", StringComparison.Ordinal))
                    data.Add(Path.GetRelativePath(Guests.RepoRoot, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void Interface_FromSections_IsWhatTheCompiledModuleReports(string module)
    {
        byte[] bytes;
        try
        {
            bytes = module == "every-kind" ? Wasmtime.Module.ConvertText(EveryKind) : ModuleLoader.ReadModuleBytes(Path.Combine(Guests.RepoRoot, module));
        }
        catch (Wasmbox.Runtime.SetupException) { return; } // a hostile file that is not a module at all: nothing to compare
        using var engine = new Wasmtime.Engine(new Wasmtime.Config().WithMemory64(true));
        Wasmtime.Module compiled;
        try { compiled = Wasmtime.Module.FromBytes(engine, "m", bytes); }
        catch (Wasmtime.WasmtimeException)
        {
            // Not valid: the interface reader may read it or not, but inspect refuses it through the validator.
            Assert.NotNull(Wasmtime.Module.Validate(engine, bytes));
            return;
        }
        using (compiled)
        {
            Assert.True(Wasmbox.Core.Wasm.ModuleInterface.TryRead(bytes, out var read, out var problem), problem);
            var viaInspector = ModuleInspectorView.Of(compiled);
            Assert.Equal(viaInspector.Imports, read.Imports.Select(i => $"{i.Module}.{i.Name} {i.Kind} {i.Type}"));
            Assert.Equal(viaInspector.Exports, read.Exports.Select(e => $"{e.Name} {e.Kind} {e.Type}"));
            Assert.Equal(viaInspector.Memories, read.Memories.Select(m => $"{m.Name} {m.Imported} {m.MinPages} {m.MaxPages} {m.Is64Bit}"));
        }
    }

    /// <summary>The interface as Wasmtime's compiled module reports it, in the inspector's notation.</summary>
    private sealed record ModuleInspectorView(List<string> Imports, List<string> Exports, List<string> Memories)
    {
        public static ModuleInspectorView Of(Wasmtime.Module m) => new(
            m.Imports.Select(i => $"{i.ModuleName}.{i.Name} {Kind(i)} {Type(i)}").ToList(),
            m.Exports.Select(e => $"{e.Name} {Kind(e)} {Type(e)}").ToList(),
            m.Imports.OfType<Wasmtime.MemoryImport>().Select(x => $"{x.ModuleName}.{x.Name} True {x.Minimum} {x.Maximum} {x.Is64Bit}")
                .Concat(m.Exports.OfType<Wasmtime.MemoryExport>().Select(x => $"{x.Name} False {x.Minimum} {x.Maximum} {x.Is64Bit}")).ToList());

        private static string Kind(object o) => o switch
        {
            Wasmtime.FunctionImport or Wasmtime.FunctionExport => "func",
            Wasmtime.MemoryImport or Wasmtime.MemoryExport => "memory",
            Wasmtime.TableImport or Wasmtime.TableExport => "table",
            _ => "global",
        };

        private static string Type(object o) => o switch
        {
            Wasmtime.FunctionImport f => Sig(f.Parameters, f.Results),
            Wasmtime.FunctionExport f => Sig(f.Parameters, f.Results),
            Wasmtime.MemoryImport x => $"{(x.Is64Bit ? "i64 " : "")}{x.Minimum}..{x.Maximum?.ToString() ?? ""} pages",
            Wasmtime.MemoryExport x => $"{(x.Is64Bit ? "i64 " : "")}{x.Minimum}..{x.Maximum?.ToString() ?? ""} pages",
            Wasmtime.TableImport t => $"{Name(t.Kind)} {t.Minimum}..{(t.Maximum == uint.MaxValue ? "" : t.Maximum.ToString())}",
            Wasmtime.TableExport t => $"{Name(t.Kind)} {t.Minimum}..{(t.Maximum == uint.MaxValue ? "" : t.Maximum.ToString())}",
            Wasmtime.GlobalImport g => $"{(g.Mutability == Wasmtime.Mutability.Mutable ? "mut " : "")}{Name(g.Kind)}",
            Wasmtime.GlobalExport g => $"{(g.Mutability == Wasmtime.Mutability.Mutable ? "mut " : "")}{Name(g.Kind)}",
            _ => "",
        };

        private static string Sig(IReadOnlyList<Wasmtime.ValueKind> p, IReadOnlyList<Wasmtime.ValueKind> r) =>
            $"({string.Join(", ", p.Select(Name))}) -> ({string.Join(", ", r.Select(Name))})";

        private static string Name(Wasmtime.ValueKind k) => k switch
        {
            Wasmtime.ValueKind.Int32 => "i32",
            Wasmtime.ValueKind.Int64 => "i64",
            Wasmtime.ValueKind.Float32 => "f32",
            Wasmtime.ValueKind.Float64 => "f64",
            Wasmtime.ValueKind.V128 => "v128",
            Wasmtime.ValueKind.FuncRef => "funcref",
            Wasmtime.ValueKind.ExternRef => "externref",
            _ => k.ToString().ToLowerInvariant(),
        };
    }
}
