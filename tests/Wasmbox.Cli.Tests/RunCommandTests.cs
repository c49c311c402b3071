namespace Wasmbox.Cli.Tests;

public class RunCommandTests
{
    [Fact]
    public void Run_Hello_PrintsAndExitsZero()
    {
        var r = WasmboxProcess.Run(["run", "examples/hello.wasm"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("hello from wasmbox\n", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("42", 42)]
    public void Run_GuestExitCode_IsOurExitCode(string code, int expected)
    {
        var r = WasmboxProcess.Run(["run", Guests.C("exit_code"), code]);
        Assert.Equal(expected, r.ExitCode);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void Run_ExitZeroThroughProcExit_IsZero() =>
        Assert.Equal(0, WasmboxProcess.Run(["run", Guests.Wat("exit_zero")]).ExitCode);

    [Theory]
    [InlineData(new[] { "run", "--timeout", "200ms", "tests/guests/wat/loop.wat" }, 124, "wall-clock limit")]
    [InlineData(new[] { "run", "--fuel", "100000", "tests/guests/wat/loop.wat" }, 124, "fuel budget")]
    [InlineData(new[] { "run", "tests/guests/wat/unreachable.wat" }, 134, "unreachable")]
    [InlineData(new[] { "run", "--max-memory", "16MiB", "tests/guests/wat/big_initial_memory.wat" }, 137, "--max-memory 16MiB")]
    public void Run_EachOutcome_HasItsExitStatusAndOneLine(string[] args, int status, string says)
    {
        var r = WasmboxProcess.Run(args);
        Assert.Equal(status, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("wasmbox: ", line);
        Assert.Contains(says, line);
    }

    [Fact]
    public void Run_GuestArgsAfterModule_AreNotOurs()
    {
        var r = WasmboxProcess.Run(["run", "--env", "A=1", Guests.C("args_env"), "--env", "B=2", "--", "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("argv[1]=--env\nargv[2]=B=2\nargv[3]=--\nargv[4]=--help\n", r.Stdout);
        Assert.Contains("env:A=1\n", r.Stdout);
        Assert.DoesNotContain("env:B", r.Stdout);
    }

    [Fact]
    public void Run_DoubleDashBeforeModule_EndsOurOptions()
    {
        var r = WasmboxProcess.Run(["run", "--", Guests.C("args_env"), "x"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("argc=2\n", r.Stdout);
    }

    [Fact]
    public void Run_EnvNameOnly_CopiesHostValueOthersStayOut()
    {
        var r = WasmboxProcess.Run(["run", "--env", "WBX_COPY", Guests.C("args_env")],
            env: new Dictionary<string, string?> { ["WBX_COPY"] = "copied", ["WBX_SECRET"] = "must-not-leak" });
        Assert.Contains("env:WBX_COPY=copied\n", r.Stdout);
        Assert.DoesNotContain("must-not-leak", r.Stdout);
        Assert.DoesNotContain("env:PATH", r.Stdout);
    }

    [Fact]
    public void Run_Stdin_InheritedByDefaultAndNoneOnRequest()
    {
        var inherit = WasmboxProcess.Run(["run", Guests.C("cat_stdin")], stdin: "piped in");
        Assert.Equal("piped in", inherit.Stdout);
        var none = WasmboxProcess.Run(["run", "--stdin", "none", Guests.C("cat_stdin")], stdin: "piped in");
        Assert.Equal("", none.Stdout);
    }

    [Fact]
    public void Run_RoDirWrite_RefusedAndHostFileUnchanged()
    {
        using var tmp = new TempDir();
        var file = tmp.Write("ro/keep.txt", "original");
        var before = HostSnapshot.Of(tmp.Path);
        var r = WasmboxProcess.Run(["run", "--ro-dir", $"{tmp.Path}/ro::/ro", Guests.C("files"), "write", "/ro/keep.txt", "changed"]);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("error:", r.Stdout);
        Assert.Empty(HostSnapshot.Of(tmp.Path).DiffFrom(before));
        Assert.Equal("original", File.ReadAllText(file));
    }

    [Fact]
    public void Run_DirWrite_ReachesHost()
    {
        using var tmp = new TempDir();
        var r = WasmboxProcess.Run(["run", "--dir", $"{tmp.Path}::/out", Guests.C("files"), "write", "/out/new.txt", "made by guest"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("made by guest", File.ReadAllText(tmp.File("new.txt")));
    }

    [Fact]
    public void Run_Policy_FlagsOverrideFile()
    {
        using var tmp = new TempDir();
        tmp.Dir("data");
        tmp.Write("data/in.txt", "policy data");
        var policy = tmp.Write("policy.toml", """
            ro-dir = ["data::/data"]
            env = ["FROM=file", "OVER=file"]
            timeout = "10s"
            """);
        var r = WasmboxProcess.Run(["run", "--policy", policy, "--env", "OVER=flag", Guests.C("args_env")]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("env:FROM=file\nenv:OVER=flag\n", r.Stdout);

        var read = WasmboxProcess.Run(["run", "--policy", policy, Guests.C("files"), "read", "/data/in.txt"]);
        Assert.Equal("policy data", read.Stdout);

        var timeout = WasmboxProcess.Run(["run", "--policy", policy, "--timeout", "200ms", "tests/guests/wat/loop.wat"]);
        Assert.Equal(124, timeout.ExitCode);
    }

    [Fact]
    public void Help_EveryCommandHasIt()
    {
        foreach (var command in new[] { "run", "compile", "inspect" })
        {
            var r = WasmboxProcess.Run([command, "--help"]);
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("Usage:", r.Stdout);
        }
        var run = WasmboxProcess.Run(["run", "--help"]).Stdout;
        foreach (var option in new[] { "--dir", "--ro-dir", "--env", "--max-memory", "--fuel", "--timeout", "--stdin", "--isolation", "--policy", "--report", "--cache-dir", "--no-cache" })
            Assert.Contains(option, run);
    }
}
