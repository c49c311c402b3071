using Wasmbox.Core.Wasm;
using Wasmtime;

namespace Wasmbox.Core.Tests.Wasm;

/// <summary>
/// Compiles and instantiates test modules with Wasmtime, the way Wasmbox runs guests: a store
/// with a memory cap, then reads the exported counter globals.
/// </summary>
internal sealed class WasmTestHost : IDisposable
{
    public const long OneMiB = 1024 * 1024;

    /// <summary>One engine for every test, like the Wasmbox runtime.</summary>
    public static Engine Engine { get; } = new();

    private readonly Wasmtime.Module _module;
    private readonly Linker _linker;

    private WasmTestHost(byte[] bytes, long? memoryCap, Action<Linker, Store>? define)
    {
        _module = Wasmtime.Module.FromBytes(Engine, "test", bytes);
        _linker = new Linker(Engine);
        Store = new Store(Engine);
        Store.SetLimits(memorySize: memoryCap);
        define?.Invoke(_linker, Store);
        Instance = _linker.Instantiate(Store, _module);
    }

    public Store Store { get; }

    public Instance Instance { get; }

    /// <summary>Compiles and instantiates <paramref name="bytes"/> under <paramref name="memoryCap"/> bytes.</summary>
    public static WasmTestHost Start(byte[] bytes, long? memoryCap = null, Action<Linker, Store>? define = null) =>
        new(bytes, memoryCap, define);

    /// <summary>Text format to binary with Wasmtime's own parser.</summary>
    public static byte[] Wat(string text) => Wasmtime.Module.ConvertText(text);

    /// <summary>Instruments and asserts the module was rewritten.</summary>
    public static InstrumentResult MustInstrument(byte[] original)
    {
        var result = WasmGrowInstrumenter.Instrument(original);
        Assert.True(result.Instrumented, result.SkipReason);
        Assert.Null(result.SkipReason);
        var error = Wasmtime.Module.Validate(Engine, result.Bytes);
        Assert.True(error is null, $"instrumented module does not validate: {error}");
        return result;
    }

    /// <summary>Value of the refused-growth counter, or null when the module is not instrumented.</summary>
    public int? RefusedCount => ReadGlobal(WasmGrowInstrumenter.RefusedCountExport);

    /// <summary>Largest refused delta in pages, or null when the module is not instrumented.</summary>
    public uint? LargestRefusedDelta => (uint?)ReadGlobal(WasmGrowInstrumenter.LargestRefusedDeltaExport);

    public Func<int, int> IntToInt(string name) =>
        Instance.GetFunction<int, int>(name) ?? throw new InvalidOperationException($"no export {name}");

    public Func<int> Int(string name) =>
        Instance.GetFunction<int>(name) ?? throw new InvalidOperationException($"no export {name}");

    public void Dispose()
    {
        Store.Dispose();
        _linker.Dispose();
        _module.Dispose();
    }

    private int? ReadGlobal(string name)
    {
        var global = Instance.GetGlobal(name);
        return global is null ? null : Convert.ToInt32(global.GetValue());
    }

    /// <summary>
    /// Runs <paramref name="export"/> (no parameters, i32 result) on the original and the
    /// instrumented module under the same cap and returns both outcomes; a trap is an outcome too.
    /// </summary>
    public static (string Original, string Instrumented, int? Refused) RunBoth(
        byte[] original, string export, long? memoryCap = null, Action<Linker, Store>? define = null)
    {
        var instrumented = MustInstrument(original);
        return (RunOnce(original, export, memoryCap, define, out _),
            RunOnce(instrumented.Bytes, export, memoryCap, define, out var refused),
            refused);
    }

    private static string RunOnce(byte[] bytes, string export, long? memoryCap, Action<Linker, Store>? define, out int? refused)
    {
        using var host = Start(bytes, memoryCap, define);
        try
        {
            var value = host.Int(export)();
            refused = host.RefusedCount;
            return $"returned {value}";
        }
        catch (TrapException e)
        {
            refused = host.RefusedCount;
            return $"trapped: {e.Message.Split('\n')[0]}";
        }
    }
}
