namespace Wasmbox.TestCommon;

/// <summary>Paths of the test guests in tests/guests (C built to .wasm, WAT as text), found from the repository root.</summary>
public static class Guests
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>A built C guest: <c>C("hello")</c> is tests/guests/c/hello.wasm.</summary>
    public static string C(string name) => Existing(Path.Combine(RepoRoot, "tests", "guests", "c", name + ".wasm"));

    /// <summary>A WAT guest: <c>Wat("loop")</c> is tests/guests/wat/loop.wat.</summary>
    public static string Wat(string name) => Existing(Path.Combine(RepoRoot, "tests", "guests", "wat", name + ".wat"));

    /// <summary>A hostile WAT guest: <c>Hostile("stdin_block")</c> is tests/guests/hostile/stdin_block.wat.</summary>
    public static string Hostile(string name) => Existing(Path.Combine(RepoRoot, "tests", "guests", "hostile", name + ".wat"));

    /// <summary>The folder of the conformance guests (tests/guests/conformance): one <c>p1_*</c> guest per behaviour.</summary>
    public static string ConformanceDir => Path.Combine(RepoRoot, "tests", "guests", "conformance");

    /// <summary>A conformance guest: <c>Conformance("p1_fd_seek_tell")</c> is conformance/p1_fd_seek_tell.wasm when
    /// built from C, else conformance/p1_fd_seek_tell.wat.</summary>
    public static string Conformance(string name)
    {
        var wasm = Path.Combine(ConformanceDir, name + ".wasm");
        return File.Exists(wasm) ? wasm : Existing(Path.Combine(ConformanceDir, name + ".wat"));
    }

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"test guest missing: {path}; run tests/guests/build.sh");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Wasmbox.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (Wasmbox.slnx) above " + AppContext.BaseDirectory);
    }
}
