using System.Net;
using System.Net.Sockets;

namespace Wasmbox.Programs.Tests.Corpus;

/// <summary>tests/programs/fetch.sh itself: the cache, the unreachable registry, and a test class for every program.</summary>
public class FetchScriptTests(ProgramCorpus corpus)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Fetch_RegistryUnreachable_ExitsThreeWithOneReasonLine()
    {
        using var cache = new TempDir("wasmbox-programs-empty-cache");
        var r = await ProgramCorpus.RunFetchAsync(["flite"], new Dictionary<string, string?>
        {
            ["WASMBOX_PROGRAMS_CACHE"] = cache.Path,
            ["WASMBOX_PROGRAMS_REGISTRY"] = $"http://127.0.0.1:{ClosedPort()}/",
        }, Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(ProgramCorpus.RegistryUnreachable, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var reason = Assert.Single(r.Stderr.Split('\n'), l => l.StartsWith("fetch.sh: registry unreachable: ", StringComparison.Ordinal));
        Assert.Contains("ECONNREFUSED", reason);
        Assert.Equal([".lock"], Directory.EnumerateFileSystemEntries(cache.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Fetch_WarmCache_NeedsNoRegistry()
    {
        var fetched = corpus.Fetched;
        if (fetched.ExitCode == ProgramCorpus.RegistryUnreachable) Assert.Skip("the cache is cold: " + fetched.Stderr.Trim());
        Assert.Equal(0, fetched.ExitCode);

        var r = await ProgramCorpus.RunFetchAsync([], new Dictionary<string, string?>
        {
            ["WASMBOX_PROGRAMS_REGISTRY"] = $"http://127.0.0.1:{ClosedPort()}/",
        }, Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(fetched.Stdout, r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public async Task Fetch_UnknownName_FailsWithExitOne()
    {
        var r = await ProgramCorpus.RunFetchAsync(["no-such-program"], null, Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no program 'no-such-program'", r.Stderr);
    }

    [Fact]
    public void Manifest_EveryProgram_HasCases()
    {
        var tested = new Dictionary<string, int>
        {
            ["python"] = PythonTests.Cases.Length,
            ["esbuild"] = EsbuildTests.Cases.Length,
            ["flite"] = FliteTests.Cases.Length,
        };
        Assert.Equal(ProgramCorpus.Names().Order(), tested.Keys.Order());
        Assert.All(tested, t => Assert.True(t.Value >= 3, $"{t.Key} has {t.Value} cases; the corpus runs each program on at least three inputs"));
    }

    /// <summary>A loopback port nothing listens on: bound, then closed, so a connect is refused at once.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
