using System.Collections.Concurrent;
using Wasmtime;

namespace Wasmbox.Runtime.Engines;

/// <summary>
/// One Wasmtime <see cref="Engine"/> per <see cref="EngineSettings"/> for the life of the process, with a linker that
/// already holds the WASI imports. Engines are expensive to create (about 10 ms for the first) and safe to share
/// between threads; stores are not, and are made per run.
/// </summary>
public static class EngineRegistry
{
    private static readonly ConcurrentDictionary<EngineSettings, Lazy<EngineEntry>> Entries = new();

    public static EngineEntry Get(EngineSettings settings) =>
        Entries.GetOrAdd(settings, s => new Lazy<EngineEntry>(() => EngineEntry.Create(s))).Value;
}

/// <summary>A shared engine and the linker bound to it.</summary>
public sealed class EngineEntry
{
    private EngineEntry(EngineSettings settings, Engine engine)
    {
        Settings = settings;
        Engine = engine;
    }

    public EngineSettings Settings { get; }

    public Engine Engine { get; }

    internal static EngineEntry Create(EngineSettings settings)
    {
        // The Config is consumed by the Engine constructor (it takes ownership of the native config).
        var config = new Config()
            .WithFuelConsumption(settings.Fuel)
            .WithEpochInterruption(settings.Epoch);
        return new EngineEntry(settings, new Engine(config));
    }
}
