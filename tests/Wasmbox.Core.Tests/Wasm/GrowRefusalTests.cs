using Wasmbox.Core.Wasm;

namespace Wasmbox.Core.Tests.Wasm;

/// <summary>The counters report refused growths and the guest sees the same memory.grow results.</summary>
public class GrowRefusalTests
{
    private const string GrowModule = """
        (module
          (memory (export "memory") 1)
          (func (export "grow") (param i32) (result i32)
            local.get 0
            memory.grow))
        """;

    [Fact]
    public void GrowingPastTheCapIsCountedAndGuestSeesTheSameResults()
    {
        var original = WasmTestHost.Wat(GrowModule);
        var instrumented = WasmTestHost.MustInstrument(original);
        Assert.Equal(1, instrumented.GrowSitesReplaced);

        // 1 MiB cap = 16 pages; memory starts with 1. Grow one page at a time until refused, then
        // ask for more: 5 pages, 0xFFFFFFFF pages (unsigned), then 7 pages.
        int[] deltas = [.. Enumerable.Repeat(1, 17), 5, 0, -1, 7];
        var expected = Run(original, deltas, out var refusedOriginal, out _);
        var actual = Run(instrumented.Bytes, deltas, out var refused, out var largest);

        Assert.Equal(expected, actual);
        Assert.Null(refusedOriginal);
        Assert.Equal(Enumerable.Range(1, 15), actual.Take(15));
        Assert.Equal(-1, actual[15]);
        Assert.Equal(5, refused); // the 16th and 17th one-page growths, 5, 0xFFFFFFFF and 7
        Assert.Equal(0xFFFFFFFFu, largest); // compared unsigned: 7 does not replace it
    }

    [Fact]
    public void LargestDeltaKeepsTheMaximumRefusal()
    {
        var instrumented = WasmTestHost.MustInstrument(WasmTestHost.Wat(GrowModule));
        var results = Run(instrumented.Bytes, [20, 40, 30, 2], out var refused, out var largest);

        Assert.Equal([-1, -1, -1, 1], results);
        Assert.Equal(3, refused);
        Assert.Equal(40u, largest);
    }

    [Fact]
    public void StayingUnderTheCapCountsNothing()
    {
        var instrumented = WasmTestHost.MustInstrument(WasmTestHost.Wat(GrowModule));
        var results = Run(instrumented.Bytes, [1, 2, 3, 0, 9], out var refused, out var largest);

        Assert.Equal([1, 2, 4, 7, 7], results);
        Assert.Equal(0, refused);
        Assert.Equal(0u, largest);
    }

    [Fact]
    public void DeclaredMaximumRefusalIsCountedToo()
    {
        var original = WasmTestHost.Wat("""
            (module
              (memory 1 3)
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
            """);
        var instrumented = WasmTestHost.MustInstrument(original);

        Assert.Equal(Run(original, [1, 1, 1], out _, out _), Run(instrumented.Bytes, [1, 1, 1], out var refused, out _));
        Assert.Equal(1, refused);
    }

    [Fact]
    public void NoCapMeansNoRefusal()
    {
        var instrumented = WasmTestHost.MustInstrument(WasmTestHost.Wat(GrowModule));
        using var host = WasmTestHost.Start(instrumented.Bytes, memoryCap: null);
        Assert.Equal(1, host.IntToInt("grow")(100));
        Assert.Equal(0, host.RefusedCount);
    }

    private static int[] Run(byte[] module, int[] deltas, out int? refused, out uint? largest)
    {
        using var host = WasmTestHost.Start(module, WasmTestHost.OneMiB);
        var grow = host.IntToInt("grow");
        var results = deltas.Select(d => grow(d)).ToArray();
        refused = host.RefusedCount;
        largest = host.LargestRefusedDelta;
        return results;
    }
}
