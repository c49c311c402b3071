using System.Collections.Concurrent;
using System.Text;

namespace Wasmbox.Programs.Tests.Differential;

/// <summary>
/// Runs a corpus program with the real <c>wasmbox run</c> in one tier and under the oracle (Wasmtime's built-in WASI,
/// <c>--isolation none --wasi-host wasmtime</c>), each in a fresh copy of the case's inputs, and fails with every
/// difference in exit status, stdout, stderr and the files left behind.
/// </summary>
/// <remarks>
/// One instance per test class (a class fixture): its runs share one compile cache, so each module is compiled once
/// for the host's compile site (the oracle, <c>none</c> and <c>process</c>) and once for the jail's, and each case's
/// oracle runs once whatever the number of tiers.
/// </remarks>
public sealed class DifferentialRuns : IDisposable
{
    public static readonly string[] Tiers = ["none", "process", "jail"];

    /// <summary>A cold compile of the largest module takes about 10 s on a 2-core machine; the runs themselves take
    /// under a second. The margin is for a loaded CI machine.</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    private readonly TempDir _cache = new("wasmbox-programs-cache");
    private readonly ConcurrentDictionary<string, Lazy<Task<Observed>>> _oracle = new();

    /// <summary>Every case in every tier, for a theory's member data.</summary>
    public static TheoryData<string, string> Matrix(IEnumerable<ProgramCase> cases)
    {
        var data = new TheoryData<string, string>();
        foreach (var c in cases)
        {
            foreach (var tier in Tiers) data.Add(c.Name, tier);
        }
        return data;
    }

    /// <summary>
    /// Runs <paramref name="c"/> in <paramref name="tier"/> and under the oracle and asserts the same bytes. Fails
    /// first when the oracle itself did not run the program (its exit status or its expected output is wrong).
    /// </summary>
    public async Task AssertSameAsOracleAsync(string module, string program, ProgramCase c, string tier, CancellationToken cancellationToken)
    {
        if (tier == "jail" && (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/bwrap")))
            Assert.Skip("the jail tier needs Linux and bubblewrap (apt-get install -y bubblewrap)");

        var oracle = await _oracle.GetOrAdd(c.Name, _ => new Lazy<Task<Observed>>(
            () => RunAsync(module, program, c, ["--isolation", "none", "--wasi-host", "wasmtime"], cancellationToken))).Value;
        CheckOracleRan(program, c, oracle);

        var actual = await RunAsync(module, program, c, ["--isolation", tier], cancellationToken);
        var differences = Observed.Differences(oracle, actual);
        if (differences.Count == 0) return;

        var report = new StringBuilder($"{program} {c.Name} in tier {tier} differs from Wasmtime's built-in WASI:\n");
        foreach (var d in differences) report.Append("- ").Append(d).Append('\n');
        report.Append($"\nrepeat it: wasmbox {string.Join(' ', Arguments(module, c, "RUN_FOLDER", ["--isolation", tier, "--trace"]))}\n");
        report.Append(await FailedCallsAsync(module, program, c, tier, cancellationToken));
        Assert.Fail(report.ToString());
    }

    private static void CheckOracleRan(string program, ProgramCase c, Observed oracle)
    {
        var output = Encoding.UTF8.GetString(oracle.Stdout) + Encoding.UTF8.GetString(oracle.Stderr);
        var ran = oracle.ExitCode == c.ExitCode
                  && (c.Shows is null || output.Contains(c.Shows, StringComparison.Ordinal))
                  && (c.Writes is null || oracle.Files.GetValueOrDefault(c.Writes) is { Length: > 0 });
        if (!ran)
        {
            Assert.Fail($"the oracle (wasmbox run --isolation none --wasi-host wasmtime) did not run {program} {c.Name} as the case expects " +
                        $"(exit status {c.ExitCode}{(c.Shows is null ? "" : $", output containing \"{c.Shows}\"")}{(c.Writes is null ? "" : $", a file {c.Writes}")}); " +
                        $"it exited {oracle.ExitCode}\nstdout: {Observed.Excerpt(oracle.Stdout, 0)}\nstderr: {Observed.Excerpt(oracle.Stderr, 0)}");
        }
    }

    /// <summary>One run in a fresh copy of the case's inputs; the copy is read back and deleted.</summary>
    private async Task<Observed> RunAsync(string module, string program, ProgramCase c, string[] runOptions, CancellationToken cancellationToken)
    {
        using var folder = new TempDir("wasmbox-programs-run");
        if (c.Inputs is not null) CopyTree(Path.Combine(InputsRoot, program, c.Inputs), folder.Path);
        foreach (var grant in c.Grants) Directory.CreateDirectory(Path.Combine(folder.Path, grant.Host));
        var stdin = c.Stdin is null ? null : await File.ReadAllBytesAsync(Path.Combine(folder.Path, c.Stdin), cancellationToken);

        var r = await WasmboxProcess.RunAsync(Arguments(module, c, folder.Path, runOptions), stdin, folder.Path, timeout: RunTimeout, cancellationToken: cancellationToken);
        return new Observed(r.ExitCode, r.Stdout, r.Stderr, Observed.Snapshot(folder.Path));
    }

    private string[] Arguments(string module, ProgramCase c, string folder, string[] runOptions)
    {
        var args = new List<string> { "run" };
        args.AddRange(runOptions);
        args.AddRange(["--cache-dir", _cache.Path]);
        foreach (var grant in c.Grants)
            args.AddRange([grant.ReadOnly ? "--ro-dir" : "--dir", $"{Path.Combine(folder, grant.Host)}::{grant.Guest}"]);
        foreach (var e in c.Env) args.AddRange(["--env", e]);
        args.Add(module);
        args.AddRange(c.Args);
        return args.ToArray();
    }

    /// <summary>The WASI calls that did not succeed in a traced repeat of the failing run, the last 40 of them:
    /// where a difference from the oracle usually starts.</summary>
    private async Task<string> FailedCallsAsync(string module, string program, ProgramCase c, string tier, CancellationToken cancellationToken)
    {
        var traced = await RunAsync(module, program, c, ["--isolation", tier, "--trace"], cancellationToken);
        var failed = Encoding.UTF8.GetString(traced.Stderr).Split('\n')
            .Where(l => l.StartsWith("[wasi] ", StringComparison.Ordinal) && !l.Contains(") = ESUCCESS", StringComparison.Ordinal))
            .ToList();
        return failed.Count == 0
            ? "\nthe traced repeat shows no failed WASI call\n"
            : $"\nfailed WASI calls in a traced repeat ({failed.Count}, the last {Math.Min(40, failed.Count)}):\n{string.Join('\n', failed.TakeLast(40))}\n";
    }

    private static string InputsRoot => Path.Combine(Guests.RepoRoot, "tests", "Wasmbox.Programs.Tests", "Inputs");

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    public void Dispose() => _cache.Dispose();
}
