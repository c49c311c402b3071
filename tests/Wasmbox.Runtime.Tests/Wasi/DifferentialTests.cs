using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Runtime.Tests.Wasi;

/// <summary>
/// The same guest with the same inputs under Wasmtime's built-in WASI (the reference) and under Wasmbox's own host must
/// print the same and end the same. Deliberate differences are listed in docs/wasi-deviations.md and tested apart.
/// </summary>
public class DifferentialTests
{
    public static TheoryData<string, string[]> Cases => new()
    {
        { "hello", [] },
        { "args_env", ["one", "two words", "", "--x"] },
        { "exit_code", ["0"] },
        { "exit_code", ["7"] },
        { "exit_code", ["42", "return"] },
        { "memhog", ["3"] },
        { "trap", [] },
        { "cpu", ["2"] },
        { "output_flood", ["50", "100"] },
        { "cat_stdin", [] },
        { "files", ["read", "/ro/in.txt"] },
        { "files", ["ls", "/ro"] },
        { "files", ["stat", "/ro/in.txt"] },
        { "files", ["read", "/ro/missing.txt"] },
        { "files", ["read", "/etc/passwd"] },
        { "files", ["write", "/ro/in.txt", "x"] },
        { "files", ["write", "/rw/new.txt", "made"] },
        { "files", ["mkdir", "/rw/sub"] },
        { "files", ["rm", "/rw/nope"] },
        { "files", ["ls", "/ro/in.txt"] },
        { "file_cycles", ["/rw", "20"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Guest_SameUnderBothHosts(string guest, string[] args)
    {
        var reference = RunIn(WasmtimeBuiltinWasi.Instance, guest, args);
        var ours = RunIn(WasmboxWasi.Instance, guest, args);

        Assert.Equal(reference.Run.Outcome.Kind, ours.Run.Outcome.Kind);
        Assert.Equal(reference.Run.Outcome.ExitStatus, ours.Run.Outcome.ExitStatus);
        Assert.Equal(reference.Run.Stdout, ours.Run.Stdout);
        Assert.Equal(reference.Run.Stderr, ours.Run.Stderr);
        Assert.Equal(reference.HostAfter, ours.HostAfter);
    }

    /// <summary>docs/wasi-deviations.md: a path that leaves its grant is ENOTCAPABLE here, EPERM in Wasmtime; both refuse, neither touches the host.</summary>
    [Theory]
    [InlineData("read", "/ro/../../etc/passwd")]
    [InlineData("write", "/rw/../ro/in.txt")]
    [InlineData("write", "/rw/../../escape.txt")]
    public void Escape_RefusedByBoth_NotcapableHerePermThere(string op, string path)
    {
        string[] args = op == "write" ? [op, path, "x"] : [op, path];
        var reference = RunIn(WasmtimeBuiltinWasi.Instance, "files", args);
        var ours = RunIn(WasmboxWasi.Instance, "files", args);

        Assert.Equal("error: Operation not permitted (errno=63)\n", reference.Run.Stdout);
        Assert.Equal("error: Capabilities insufficient (errno=76)\n", ours.Run.Stdout);
        Assert.Equal(1, ours.Run.Outcome.GuestExitCode);
        Assert.Equal(reference.HostAfter, ours.HostAfter);
    }

    private static (GuestRun Run, IReadOnlyDictionary<string, string> HostAfter) RunIn(IWasiBinding wasi, string guest, string[] args)
    {
        using var tmp = new TempDir();
        var ro = tmp.Dir("ro");
        var rw = tmp.Dir("rw");
        File.WriteAllText(Path.Combine(ro, "in.txt"), "read-only data\n");
        File.WriteAllText(Path.Combine(ro, "b.txt"), "b");
        var stdin = tmp.Write("stdin.txt", "some input\nfor the guest\n");
        var policy = SandboxPolicy.DenyAll with
        {
            Dirs = [new DirGrant(ro, "/ro", ReadOnly: true), new DirGrant(rw, "/rw", ReadOnly: false)],
            Env = [new("GREETING", "hi"), new("EMPTY", "")],
            Stdin = new StdinSource.FromFile(stdin),
        };
        var run = GuestRun.With(wasi, Guests.C(guest), policy, args: args);
        // Compare contents only: timestamps differ between two runs by nature.
        var after = HostSnapshot.Of(tmp.Path).Entries
            .Where(e => !e.Key.StartsWith("stdin", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value == "dir" || e.Value.StartsWith("link", StringComparison.Ordinal) ? e.Value : e.Value.Split(':')[0] + ":" + e.Value.Split(':')[2]);
        return (run, after);
    }
}
