namespace Wasmbox.Cli.Tests;

/// <summary>Every malformed input gives exit status 125 and exactly one "wasmbox: …" line, never a stack trace.</summary>
public class MalformedInputTests
{
    public static TheoryData<string[], string> Cases => new()
    {
        { new[] { "run", "/no/such/file.wasm" }, "no such file" },
        { new[] { "run", "Wasmbox.slnx" }, "not a WebAssembly module" },
        { new[] { "run", "tests/guests/wat/no_start.wat" }, "not a WASI command" },
        { new[] { "run", "tests/guests/wat/reactor.wat" }, "reactor" },
        { new[] { "run", "tests/guests/wat/unknown_import.wat" }, "env.host_magic" },
        { new[] { "run", "--max-memory", "12XB", "examples/hello.wasm" }, "--max-memory" },
        { new[] { "run", "--max-memory", "64MB", "examples/hello.wasm" }, "KiB, MiB or GiB" },
        { new[] { "run", "--timeout", "5", "examples/hello.wasm" }, "ms, s, m or h" },
        { new[] { "run", "--fuel", "lots", "examples/hello.wasm" }, "--fuel" },
        { new[] { "run", "--stdin", "/no/such/input", "examples/hello.wasm" }, "--stdin" },
        { new[] { "run", "--dir", "/no/such/dir", "examples/hello.wasm" }, "no directory" },
        { new[] { "run", "--env", "=x", "examples/hello.wasm" }, "needs a name" },
        { new[] { "run", "--isolation", "none", "--cpus", "0.5", "examples/hello.wasm" }, "--cpus" },
        { new[] { "run", "--isolation", "process", "--cpus", "0.5", "examples/hello.wasm" }, "--cpus" },
        { new[] { "run", "--cpus", "half", "examples/hello.wasm" }, "--cpus" },
        { new[] { "run", "--cpu-time", "2", "examples/hello.wasm" }, "--cpu-time" },
        { new[] { "run", "--isolation", "process", "--wasi-host", "wasmtime", "examples/hello.wasm" }, "--isolation none" },
        { new[] { "run", "--isolation", "vm", "examples/hello.wasm" }, "unknown isolation tier" },
        { new[] { "run", "--policy", "/no/such/policy.toml", "examples/hello.wasm" }, "cannot read" },
        { new[] { "run", "--bogus", "examples/hello.wasm" }, "unknown option --bogus" },
        { new[] { "run", "--timeout" }, "needs a value" },
        { new[] { "run" }, "missing MODULE" },
        { new[] { "frobnicate" }, "frobnicate" },
        { new[] { "inspect", "/no/such/file.wasm" }, "no such file" },
        { new[] { "compile", "Wasmbox.slnx" }, "not a WebAssembly module" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInput_Exits125WithOneClearLine(string[] args, string says)
    {
        var r = WasmboxProcess.Run(args);
        Assert.Equal(125, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("wasmbox: ", line);
        Assert.Contains(says, line);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Theory]
    [InlineData("max-memory = = 1", "policy.toml:1:")]
    [InlineData("timeout = \"5s\"\ntimeout = \"6s\"", "set twice")]
    [InlineData("fuel = \"many\"", "fuel")]
    [InlineData("typo = 1", "unknown setting 'typo'")]
    public void BadPolicyFile_Exits125NamingFileAndProblem(string toml, string says)
    {
        using var tmp = new TempDir();
        var policy = tmp.Write("policy.toml", toml);
        var r = WasmboxProcess.Run(["run", "--policy", policy, "examples/hello.wasm"]);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains(says, Assert.Single(r.ErrorLines));
    }

    [Fact]
    public void RandomBytesModule_Exits125()
    {
        using var tmp = new TempDir();
        var path = tmp.File("noise.wasm");
        File.WriteAllBytes(path, System.Security.Cryptography.RandomNumberGenerator.GetBytes(1000));
        var r = WasmboxProcess.Run(["run", path]);
        Assert.Equal(125, r.ExitCode);
        Assert.Single(r.ErrorLines);
    }
}
