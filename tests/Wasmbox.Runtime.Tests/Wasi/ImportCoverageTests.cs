using Wasmbox.Runtime.Wasi;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Tracing;

namespace Wasmbox.Runtime.Tests.Wasi;

/// <summary>
/// The guests together call every one of the 46 imports of wasi_snapshot_preview1 under Wasmbox's host, as the trace
/// records them: an import no guest reaches is an import no guest test covers.
/// </summary>
public class ImportCoverageTests
{
    /// <summary>The C guests of tests/guests/c that end on their own, with arguments that make them do something.</summary>
    private static readonly (string Guest, string[] Args)[] CGuests =
    [
        ("hello", []),
        ("args_env", ["x"]),
        ("exit_code", ["3"]),
        ("files", ["ls", "/ro"]),
        ("files", ["read", "/ro/in.txt"]),
        ("file_cycles", ["/rw", "2"]),
    ];

    [Fact]
    public void AllGuests_TogetherCallEveryImport()
    {
        var called = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var guest in ConformanceWorld.AllGuests("p1_"))
        {
            using var world = new ConformanceWorld();
            var trace = new RecordingTraceSink();
            world.Run(WasmboxWasi.Instance, guest, trace);
            called.UnionWith(trace.Calls.Select(c => c.Name));
        }
        foreach (var (guest, args) in CGuests)
        {
            using var world = new ConformanceWorld();
            var trace = new RecordingTraceSink();
            GuestRun.With(WasmboxWasi.Instance, Guests.C(guest), world.Policy, args: args, trace: trace);
            called.UnionWith(trace.Calls.Select(c => c.Name));
        }

        var missing = WasiNames.All.Except(called).Order(StringComparer.Ordinal).ToList();
        var unknown = called.Except(WasiNames.All).ToList();
        Assert.True(missing.Count == 0, $"imports no guest calls ({missing.Count}): {string.Join(", ", missing)}");
        Assert.True(unknown.Count == 0, $"traced names that are not imports: {string.Join(", ", unknown)}");
        Assert.Equal(46, WasiNames.All.Count);
    }
}
