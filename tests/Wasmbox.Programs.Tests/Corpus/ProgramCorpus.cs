using System.Diagnostics;

[assembly: AssemblyFixture(typeof(Wasmbox.Programs.Tests.Corpus.ProgramCorpus))]

namespace Wasmbox.Programs.Tests.Corpus;

/// <summary>
/// The programs of tests/programs/programs.tsv, fetched once per test run by tests/programs/fetch.sh into its cache
/// (<c>$WASMBOX_PROGRAMS_CACHE</c>, else <c>~/.cache/wasmbox-programs</c>).
/// </summary>
/// <remarks>
/// Only an unreachable registry (fetch.sh's exit status 3) makes the tests skip, with fetch.sh's own line as the
/// reason; any other failure of fetch.sh (a sha256 that no longer matches its pin, a missing package, no npm) fails
/// every test that needs a program, with fetch.sh's output in the message.
/// </remarks>
public sealed class ProgramCorpus : IAsyncLifetime
{
    /// <summary>fetch.sh's exit status when npm cannot reach the registry.</summary>
    public const int RegistryUnreachable = 3;

    public static string Script { get; } = Path.Combine(Guests.RepoRoot, "tests", "programs", "fetch.sh");

    public static string Manifest { get; } = Path.Combine(Guests.RepoRoot, "tests", "programs", "programs.tsv");

    private Dictionary<string, string> _modules = [];
    private FetchResult? _fetch;

    /// <summary>The names in programs.tsv, in its order.</summary>
    public static IReadOnlyList<string> Names() =>
        File.ReadLines(Manifest).Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('\t')[0]).ToList();

    public async ValueTask InitializeAsync()
    {
        // A cold fetch of the three tarballs (about 31 MB) takes a few seconds; npm's own timeouts bound a bad network.
        _fetch = await RunFetchAsync([], env: null, TimeSpan.FromMinutes(10), CancellationToken.None);
        if (_fetch.ExitCode == 0) _modules = ParseModules(_fetch.Stdout);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The path of program <paramref name="name"/>'s .wasm in the cache. Skips the test when the registry was
    /// unreachable; fails it when fetch.sh failed for any other reason.
    /// </summary>
    public string Module(string name)
    {
        var fetch = _fetch ?? throw new InvalidOperationException("the corpus fixture was not initialized");
        if (fetch.ExitCode == RegistryUnreachable)
            Assert.Skip(fetch.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "fetch.sh: registry unreachable");
        if (fetch.ExitCode != 0)
            Assert.Fail($"tests/programs/fetch.sh failed with exit status {fetch.ExitCode}:\n{fetch.Stderr}");
        return _modules.TryGetValue(name, out var path)
            ? path
            : throw new InvalidOperationException($"fetch.sh printed no path for '{name}'; is it in tests/programs/programs.tsv?\n{fetch.Stdout}");
    }

    /// <summary>Whether the fixture's fetch succeeded: tests of fetch.sh's cache behaviour need a filled cache.</summary>
    public FetchResult Fetched => _fetch ?? throw new InvalidOperationException("the corpus fixture was not initialized");

    /// <summary>fetch.sh's lines <c>NAME\tPATH</c>.</summary>
    public static Dictionary<string, string> ParseModules(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToDictionary(f => f[0], f => f[1]);

    /// <summary>Runs fetch.sh with <paramref name="names"/>; <paramref name="env"/> adds to (or, with a null value,
    /// removes from) this process's environment.</summary>
    public static async Task<FetchResult> RunFetchAsync(string[] names, IDictionary<string, string?>? env, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script);
        foreach (var n in names) start.ArgumentList.Add(n);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            if (v is null) start.Environment.Remove(k);
            else start.Environment[k] = v;
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            return new FetchResult(-1, "", $"fetch.sh did not finish within {timeout.TotalMinutes} minutes");
        }
        return new FetchResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>How fetch.sh exited and what it printed.</summary>
public sealed record FetchResult(int ExitCode, string Stdout, string Stderr);
