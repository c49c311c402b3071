using Wasmbox.Core.Outcomes;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Runtime.Tests.Wasi;

/// <summary>
/// Escape attempts made by a real guest (tests/guests/conformance/escape.c) through real wasm: each attempt's errno as
/// the guest saw it, and nothing outside the read-write grant changed on the host (bubblewrap's "assert not reached").
/// </summary>
public class GuestEscapeTests
{
    private const int Success = 0, NoEnt = 44, Perm = 63, NotCapable = 76;

    /// <summary>The conformance-folder guests these tests run (EveryEscapeGuest_IsUsed checks the folder against it).</summary>
    public static readonly string[] GuestsUsed = ["escape"];

    [Fact]
    public void SymlinkCreatedByGuest_PointingOutside_CannotBeFollowed()
    {
        var (errnos, output) = Attempt("symlink-out");
        // A relative target is only a name written in /rw: it may be made, but nothing goes through it. An absolute
        // target can never resolve beneath a grant, so it is refused at creation (as Wasmtime does).
        Assert.True(errnos["symlink-relative"] == Success, output);
        Assert.True(errnos["symlink-to-outside-dir"] == Success, output);
        Assert.True(errnos["symlink-absolute"] == NotCapable, output);
        Assert.True(errnos["open-absolute-through"] == NoEnt, output);
        foreach (var through in new[] { "open-read-through", "open-write-through", "stat-through",
                     "utimes-through", "create-beneath-link", "unlink-beneath-link" })
        {
            Assert.True(errnos[through] == NotCapable, $"{through}: errno {errnos[through]}\n{output}");
        }
        Assert.DoesNotContain("read ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void RenameOutOfAGrant_Refused()
    {
        var (errnos, output) = Attempt("rename-out");
        Assert.True(errnos["rename-dotdot"] == NotCapable, output);
        Assert.True(errnos["rename-into-ro"] == Perm, output);
        Assert.True(errnos["rename-out-of-ro"] == Perm, output);
        Assert.True(errnos["rename-outside-in"] == NotCapable, output);
        Assert.True(errnos["rename-absolute"] == NotCapable, output);
    }

    [Fact]
    public void LinkOutOfAGrant_Refused()
    {
        var (errnos, output) = Attempt("link-out");
        Assert.True(errnos["link-dotdot"] == NotCapable, output);
        Assert.True(errnos["link-into-ro"] == Perm, output);
        Assert.True(errnos["link-out-of-ro"] == Perm, output);
        Assert.True(errnos["link-outside-in"] == NotCapable, output);
        Assert.True(errnos["link-ro-link-followed"] == Perm, output);
    }

    /// <summary>Every mutating call into the read-only grant is EPERM (the policy's refusal), the fd calls on a file
    /// opened there for reading too (the grant is checked before the fd's rights); the rights cannot be raised.</summary>
    [Fact]
    public void EveryMutatingCall_IntoReadOnlyGrant_Refused()
    {
        var (errnos, output) = Attempt("ro-writes");
        string[] policyRefused = ["open-write", "open-trunc", "open-creat", "open-append", "unlink", "unlink-link",
            "rename-within", "mkdir", "rmdir", "symlink", "link-within", "utimes", "utimes-now"];
        foreach (var call in policyRefused) Assert.True(errnos[call] == Perm, $"{call}: errno {errnos[call]}\n{output}");
        Assert.Equal(Success, errnos["open-read"]);
        string[] fdCalls = ["fd_write", "fd_pwrite", "fd_filestat_set_size", "fd_filestat_set_times", "fd_allocate",
            "preopen-fd_filestat_set_times"];
        foreach (var call in fdCalls) Assert.True(errnos[call] == Perm, $"{call}: errno {errnos[call]}\n{output}");
        Assert.True(errnos["fd_fdstat_set_rights-up"] == NotCapable, output);
    }

    /// <summary>The host replaces /rw/d by a symlink to the outside folder between two of the guest's calls (a TOCTOU
    /// race won by the attacker on purpose): every later call through d is refused, because each call resolves its
    /// path again beneath the grant.</summary>
    [Fact]
    public async Task DirectoryReplacedBySymlink_BetweenTwoCalls_LaterCallsRefused()
    {
        using var world = new ConformanceWorld();
        var d = Directory.CreateDirectory(Path.Combine(world.Rw, "d")).FullName;
        File.WriteAllText(Path.Combine(d, "secret.txt"), "inside");
        var before = world.SnapshotOutsideRw();

        var token = TestContext.Current.CancellationToken;
        var swapper = Task.Run(async () =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!File.Exists(Path.Combine(world.Rw, "ready")))
            {
                if (DateTime.UtcNow > deadline) return false;
                await Task.Delay(5, token);
            }
            Directory.Delete(d, recursive: true);
            Directory.CreateSymbolicLink(d, world.Outside);
            File.WriteAllText(Path.Combine(world.Rw, "go"), "");
            return true;
        }, token);
        var run = world.Run(WasmboxWasi.Instance, "escape", args: ["swap"]);
        Assert.True(await swapper.WaitAsync(TimeSpan.FromSeconds(20), token), "the guest never said ready\n" + run.Stdout);

        var errnos = Errnos(run);
        Assert.True(errnos["before-stat"] == Success, run.Stdout);
        foreach (var call in new[] { "after-stat", "after-open-read", "after-open-trunc", "after-create", "after-unlink",
                     "after-mkdir", "after-rename" })
        {
            Assert.True(errnos[call] == NotCapable, $"{call}: errno {errnos[call]}\n{run.Stdout}");
        }
        Assert.Empty(world.SnapshotOutsideRw().DiffFrom(before));
    }

    [Fact]
    public void EveryEscapeGuest_IsUsed()
    {
        var inFolder = ConformanceWorld.AllGuests("").Where(n => !n.StartsWith("p1_", StringComparison.Ordinal));
        Assert.Equal(GuestsUsed.Order(StringComparer.Ordinal), inFolder);
    }

    private static (IReadOnlyDictionary<string, int> Errnos, string Output) Attempt(string attempt)
    {
        using var world = new ConformanceWorld();
        var before = world.SnapshotOutsideRw();
        var run = world.Run(WasmboxWasi.Instance, "escape", args: [attempt]);
        Assert.True(run.Outcome.Kind == OutcomeKind.Exited && run.Outcome.GuestExitCode == 0, ConformanceTests.Describe(run));
        var diff = world.SnapshotOutsideRw().DiffFrom(before);
        Assert.True(diff.Count == 0, "changed outside /rw:\n" + string.Join("\n", diff) + "\n" + run.Stdout);
        return (Errnos(run), run.Stdout);
    }

    private static Dictionary<string, int> Errnos(GuestRun run) =>
        run.Stdout.Split('\n')
            .Select(l => l.Split(" errno="))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
}
