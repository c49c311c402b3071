using Wasmbox.Programs.Tests.Corpus;
using Wasmbox.Programs.Tests.Differential;

namespace Wasmbox.Programs.Tests;

/// <summary>CPython 3.12 with its standard library (embedded in the module) running real scripts.</summary>
public class PythonTests(ProgramCorpus corpus, DifferentialRuns runs) : IClassFixture<DifferentialRuns>
{
    /// <summary>PYTHONHASHSEED fixes the order of sets of strings, which else follows random_get.</summary>
    private const string FixedHash = "PYTHONHASHSEED=0";

    public static readonly ProgramCase[] Cases =
    [
        // json, re, collections and csv over a text in a read-only grant; a report written into a writable one.
        new("wordfreq", ["/data/wordfreq.py"])
        {
            Inputs = "wordfreq",
            Grants = [Grant.Ro("data", "/data"), Grant.Rw("out", "/out")],
            Env = [FixedHash],
            Shows = "165 words, 80 distinct, 11 sentences",
            Writes = "out/report.json",
        },
        // Directories, renames, copies, truncation, tempfile, os.walk, gzip and an SQLite database in a writable grant.
        new("files", ["/work/files.py"])
        {
            Inputs = "files",
            Grants = [Grant.Rw("work", "/work")],
            Env = [FixedHash],
            Shows = "sqlite: (4, 1630, 'tree/a/one.txt')",
            Writes = "work/inventory.db",
        },
        // CSV on a stdin pipe, decimal/fractions/statistics, then an uncaught exception: a traceback and exit status 1.
        new("stdin-traceback", ["/app/stats.py"])
        {
            Inputs = "stdin",
            Grants = [Grant.Ro(".", "/app")],
            Env = [FixedHash],
            Stdin = "prices.csv",
            ExitCode = 1,
            Shows = "decimal.InvalidOperation",
        },
        // -c, the environment, and sys.exit with a status of its own.
        new("exit-status", ["-c", "import os, sys; print(os.environ['GREETING'], sys.argv[1:], sys.getfilesystemencoding()); sys.exit(7)", "a b", "ü"])
        {
            Env = [FixedHash, "GREETING=grüß dich"],
            ExitCode = 7,
            Shows = "grüß dich ['a b', 'ü'] utf-8",
        },
    ];

    public static TheoryData<string, string> Runs => DifferentialRuns.Matrix(Cases);

    [Theory]
    [MemberData(nameof(Runs))]
    public Task Python_Case_SameBytesAsWasmtime(string @case, string tier) =>
        runs.AssertSameAsOracleAsync(corpus.Module("python"), "python", Cases.Single(c => c.Name == @case), tier, TestContext.Current.CancellationToken);
}
