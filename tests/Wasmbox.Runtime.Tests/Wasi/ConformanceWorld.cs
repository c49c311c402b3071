using Wasmbox.Core.Policy;
using Wasmbox.Runtime.Wasi;
using Wasmbox.Wasi.Tracing;

namespace Wasmbox.Runtime.Tests.Wasi;

/// <summary>
/// The world every conformance guest runs in (tests/guests/conformance/p1.h describes it to the guests): /rw, an empty
/// read-write grant; /ro, a read-only grant with in.txt, sub/f.txt and link -> in.txt; and beside them an "outside"
/// folder that no grant reaches, so a test can assert it never changed.
/// </summary>
public sealed class ConformanceWorld : IDisposable
{
    private readonly TempDir _tmp = new("wasmbox-p1");

    public ConformanceWorld()
    {
        Rw = _tmp.Dir("rw");
        Ro = _tmp.Dir("ro");
        Outside = _tmp.Dir("outside");
        File.WriteAllText(Path.Combine(Ro, "in.txt"), "read-only data\n");
        Directory.CreateDirectory(Path.Combine(Ro, "sub"));
        File.WriteAllText(Path.Combine(Ro, "sub", "f.txt"), "f");
        File.CreateSymbolicLink(Path.Combine(Ro, "link"), "in.txt");
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), "outside the grants\n");
    }

    public string Root => _tmp.Path;
    public string Rw { get; }
    public string Ro { get; }
    public string Outside { get; }

    public SandboxPolicy Policy => SandboxPolicy.DenyAll with
    {
        Dirs = [new DirGrant(Rw, "/rw", ReadOnly: false), new DirGrant(Ro, "/ro", ReadOnly: true)],
        Env = [new("P1_A", "1"), new("P1_EMPTY", "")],
    };

    /// <summary>The arguments each guest gets (p1_args_environ checks them).</summary>
    public static string[] ArgsFor(string guest) => guest == "p1_args_environ" ? ["a", "two words", ""] : [];

    public GuestRun Run(IWasiBinding wasi, string guest, IWasiTraceSink? trace = null, string[]? args = null) =>
        GuestRun.With(wasi, Guests.Conformance(guest), Policy, args: args ?? ArgsFor(guest), trace: trace);

    /// <summary>Everything but /rw: what no guest may ever change.</summary>
    public HostSnapshot SnapshotOutsideRw() =>
        new(HostSnapshot.Of(Root).Entries.Where(e => !IsUnder(e.Key, "rw")).ToDictionary(e => e.Key, e => e.Value));

    /// <summary>Every conformance guest by name: the .c files (built to .wasm) and the .wat files of the folder.</summary>
    public static IReadOnlyList<string> AllGuests(string prefix) =>
        Directory.EnumerateFiles(Guests.ConformanceDir)
            .Where(f => f.EndsWith(".c", StringComparison.Ordinal) || f.EndsWith(".wat", StringComparison.Ordinal))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static bool IsUnder(string rel, string top) =>
        rel == top || rel.StartsWith(top + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    public void Dispose() => _tmp.Dispose();
}
