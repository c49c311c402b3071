using System.Security.Cryptography;
using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Wasm;
using Wasmbox.Runtime.Engines;
using Wasmtime;

namespace Wasmbox.Runtime.Modules;

/// <summary>
/// Reads a module file, rewrites it so refused memory growth can be counted, and compiles it, through the module
/// cache when one is given. Every failure becomes a <see cref="SetupException"/> that says what to do.
/// </summary>
public static class ModuleLoader
{
    private static ReadOnlySpan<byte> WasmMagic => "\0asm"u8;

    public static LoadedModule Load(string path, EngineEntry engine, ModuleCache? cache)
    {
        var original = ReadModuleBytes(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(original));
        var key = ModuleCache.Key(sha, engine.Settings.Fingerprint);

        if (cache?.TryGet(key) is { } cached)
        {
            try
            {
                var module = Module.DeserializeFile(engine.Engine, Path.GetFileName(path), cached);
                // The artifact was compiled from our rewrite when the rewrite succeeded; its exports say so, which saves
                // rewriting again on every cached start.
                var instrumented = module.Exports.Any(e => e.Name == WasmGrowInstrumenter.RefusedCountExport);
                return new LoadedModule(module, sha, instrumented, FromCache: true);
            }
            catch (WasmtimeException)
            {
                // Intact but not loadable by this engine build: treat as a miss and replace it.
                cache.Remove(key);
            }
        }

        var rewritten = WasmGrowInstrumenter.Instrument(original);
        var compiled = Compile(path, engine, rewritten.Bytes);
        cache?.Put(key, compiled.Serialize());
        return new LoadedModule(compiled, sha, rewritten.Instrumented, FromCache: false);
    }

    /// <summary>
    /// Loads an artifact that <see cref="Prepare"/> compiled for this engine (the parent verified its hash before handing
    /// it over). A file the engine refuses is a setup failure, never a reason to compile something else.
    /// </summary>
    public static LoadedModule LoadArtifact(string displayPath, string artifactPath, string sha256, EngineEntry engine)
    {
        try
        {
            var module = Module.DeserializeFile(engine.Engine, Path.GetFileName(displayPath), artifactPath);
            var instrumented = module.Exports.Any(e => e.Name == WasmGrowInstrumenter.RefusedCountExport);
            return new LoadedModule(module, sha256, instrumented, FromCache: true);
        }
        catch (WasmtimeException e)
        {
            throw new SetupException(SetupStage.Compile, $"cannot load the compiled form of {displayPath}: {FirstLine(e.Message)}; run again with --no-cache");
        }
    }

    /// <summary>
    /// Makes sure the cache holds a verified artifact of the module for this engine, compiling it on a miss, and returns
    /// its path and the module's SHA-256; for a worker that must not write the cache. The engine is created only on a miss.
    /// </summary>
    public static PreparedModule Prepare(string path, EngineSettings settings, ModuleCache cache)
    {
        var original = ReadModuleBytes(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(original));
        var key = ModuleCache.Key(sha, settings.Fingerprint);
        if (cache.TryGet(key) is { } cached) return new PreparedModule(cached, sha);

        var engine = EngineRegistry.Get(settings);
        var rewritten = WasmGrowInstrumenter.Instrument(original);
        using var compiled = Compile(path, engine, rewritten.Bytes);
        var written = cache.Put(key, compiled.Serialize())
            ?? throw new SetupException(SetupStage.Compile, $"cannot write the module cache in {cache.Directory}; make it writable, or pass --no-cache");
        return new PreparedModule(written, sha);
    }

    /// <summary>The module's bytes; WAT text (a <c>.wat</c> file) is converted to binary first.</summary>
    public static byte[] ReadModuleBytes(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied",
                _ when Directory.Exists(path) => "it is a directory",
                _ => e.Message,
            };
            throw new SetupException(SetupStage.ReadModule, $"cannot read module {path}: {why}; pass the path of a .wasm file");
        }

        if (path.EndsWith(".wat", StringComparison.OrdinalIgnoreCase))
        {
            try { return Module.ConvertText(System.Text.Encoding.UTF8.GetString(bytes)); }
            catch (WasmtimeException e)
            {
                throw new SetupException(SetupStage.Compile, $"{path} is not valid WebAssembly text: {FirstLine(e.Message)}; fix the file");
            }
        }

        if (bytes.Length < 8 || !bytes.AsSpan(0, 4).SequenceEqual(WasmMagic))
            throw new SetupException(SetupStage.Compile,
                $"{path} is not a WebAssembly module (it does not start with \\0asm); pass a .wasm file built for wasm32-wasi");
        if (bytes[4] != 1 || bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0)
            throw new SetupException(SetupStage.Compile,
                $"{path} is a WebAssembly component or an unknown binary version; wasmbox runs core modules built for WASI preview1 (wasm32-wasi / wasm32-wasip1)");
        return bytes;
    }

    private static Module Compile(string path, EngineEntry engine, byte[] bytes)
    {
        try { return Module.FromBytes(engine.Engine, Path.GetFileName(path), bytes); }
        catch (WasmtimeException e)
        {
            throw new SetupException(SetupStage.Compile, $"{path} is not a valid WebAssembly module: {FirstLine(e.Message)}; rebuild it or check the file");
        }
    }

    /// <summary>
    /// The informative line of a Wasmtime error. Its messages run "error while executing at wasm backtrace:", frame
    /// lines, then "Caused by:" and the causes, outermost first; the innermost cause is what went wrong.
    /// </summary>
    internal static string FirstLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var causedBy = Array.FindLastIndex(lines, l => l.StartsWith("Caused by", StringComparison.Ordinal));
        if (causedBy >= 0 && causedBy + 1 < lines.Length) return StripNumbering(lines[^1]);
        return lines.FirstOrDefault(l => !l.StartsWith("error while executing", StringComparison.Ordinal)
                                         && !System.Text.RegularExpressions.Regex.IsMatch(l, @"^\d+:\s+0x"))
               ?? lines.FirstOrDefault() ?? message;
    }

    /// <summary>Causes are listed as "0: …", "1: …" when there are several.</summary>
    private static string StripNumbering(string line) =>
        System.Text.RegularExpressions.Regex.Replace(line, @"^\d+:\s*", "");
}

/// <summary>A verified cache entry for a module, and the SHA-256 of the module itself.</summary>
public sealed record PreparedModule(string ArtifactPath, string Sha256);
