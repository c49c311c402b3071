using System.Diagnostics;

namespace Wasmbox.Cli.Tests;

/// <summary>The command-line side of Wasmbox's own WASI host: trace, quotas, deterministic mode, stdio.</summary>
public class WasiHostCliTests
{
    [Fact]
    public void Trace_PrintsOneLinePerCallWithResultAndRefusal()
    {
        using var tmp = new TempDir();
        var r = WasmboxProcess.Run(["run", "--trace", "--ro-dir", $"{tmp.Path}::/ro", Guests.C("files"), "write", "/ro/x", "hi"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(r.ErrorLines, l => l.StartsWith("[wasi] path_open(fd=3,", StringComparison.Ordinal)
                                           && l.Contains("path=\"x\"") && l.Contains("= EPERM") && l.Contains("[refused: "));
        Assert.Contains(r.ErrorLines, l => l.StartsWith("[wasi] proc_exit(rval=1)", StringComparison.Ordinal));
        Assert.All(r.ErrorLines, l => Assert.StartsWith("[wasi] ", l));
        Assert.False(File.Exists(tmp.File("x")));
    }

    [Fact]
    public void MaxOutput_DropsTheRestAndReportsIt()
    {
        using var tmp = new TempDir();
        var report = tmp.File("r.json");
        var r = WasmboxProcess.Run(["run", "--max-output", "100B", "--report", report, Guests.C("output_flood"), "10", "64"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(100, r.Stdout.Length);
        Assert.Contains("\"max-output\"", File.ReadAllText(report));
    }

    [Fact]
    public void MaxDiskWrite_RefusesBeyondTheQuotaAndReportsIt()
    {
        using var tmp = new TempDir();
        var data = tmp.Dir("data");
        var report = tmp.File("r.json");
        var r = WasmboxProcess.Run(["run", "--max-disk-write", "1KiB", "--dir", $"{data}::/d", "--report", report, Guests.C("file_cycles"), "/d", "100"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Quota exceeded (errno=19)", r.Stdout + r.Stderr);
        Assert.Contains("\"max-disk-write\"", File.ReadAllText(report));
    }

    [Fact]
    public void MaxOpenFiles_RefusesTheOpenBeyondIt()
    {
        using var tmp = new TempDir();
        tmp.Write("d/in.txt", "x");
        var report = tmp.File("r.json");
        // stdio (3) + one grant = 4 descriptors: the guest's own open is the fifth.
        var r = WasmboxProcess.Run(["run", "--max-open-files", "4", "--dir", $"{tmp.Path}/d::/d", "--report", report, Guests.C("files"), "read", "/d/in.txt"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("errno=33", r.Stdout);
        Assert.Contains("\"max-open-files\"", File.ReadAllText(report));
    }

    [Fact]
    public void Deterministic_SameSeedSameOutput()
    {
        // clock_random.wat prints 16 random bytes and the realtime clock in hex.
        var first = WasmboxProcess.Run(["run", "--seed", "7", Guests.Wat("clock_random")]);
        var second = WasmboxProcess.Run(["run", "--seed", "7", Guests.Wat("clock_random")]);
        var other = WasmboxProcess.Run(["run", "--seed", "8", Guests.Wat("clock_random")]);
        var real = WasmboxProcess.Run(["run", Guests.Wat("clock_random")]);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(48, first.Stdout.Length);
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.NotEqual(first.Stdout, other.Stdout);
        Assert.NotEqual(first.Stdout, real.Stdout);
    }

    [Fact]
    public void Stdio_StdoutAndStderrToOneFile_NothingOverwritten()
    {
        using var tmp = new TempDir();
        var output = tmp.File("both.txt");
        var dll = Path.Combine(AppContext.BaseDirectory, "wasmbox.dll");
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = Guests.RepoRoot };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"echo 'line one' | dotnet '{dll}' run --no-cache '{Guests.C("cat_stdin")}' > '{output}' 2>&1");
        using var process = Process.Start(start)!;
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal("line one\n\n<9 bytes>", File.ReadAllText(output));
    }
}
