using System.Security.Cryptography;
using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Wasm;
using Wasmbox.Runtime.Engines;
using Wasmtime;

namespace Wasmbox.Runtime.Modules;

/// <summary>
/// Reads a module file, checks its shape, rewrites it so refused memory growth can be counted, and compiles it, through
/// the module cache when one is given. Every failure becomes a <see cref="SetupException"/> that says what to do.
/// </summary>
public static class ModuleLoader
{
    private static ReadOnlySpan<byte> WasmMagic => "\0asm"u8;

    /// <summary>
    /// Loads a module in this process, compiling it here on a cache miss: the library's in-process path, for code its
    /// caller trusts to compile. Entries it writes and reads are those of <see cref="CompileSite.Host"/>.
    /// </summary>
    public static LoadedModule Load(string path, EngineEntry engine, ModuleCache? cache)
    {
        if (cache is null) return CompileAndCache(path, engine, cache: null);

        // A cached start reads neither file in full when both are unchanged since an earlier run (the cache's memos).
        var sha = Sha256Of(path, cache);
        var key = ModuleCache.Key(sha, engine.Settings.Fingerprint, CompileSite.Host);
        if (cache.TryGet(key) is { } cached)
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

        return CompileAndCache(path, engine, cache);
    }

    /// <summary>
    /// Compiles the file as it is now, and caches it under the key of the bytes compiled: the file may have changed
    /// since it was hashed, and an entry must never hold code of other bytes than its key's.
    /// </summary>
    private static LoadedModule CompileAndCache(string path, EngineEntry engine, ModuleCache? cache)
    {
        var file = ReadModuleFile(path);
        var sha = Sha256Of(file);
        var (compiled, instrumented) = CompileChecked(path, engine, file);
        cache?.Put(ModuleCache.Key(sha, engine.Settings.Fingerprint, CompileSite.Host), compiled.Serialize());
        return new LoadedModule(compiled, sha, instrumented, FromCache: false);
    }

    /// <summary>
    /// Compiles a module file into the engine's serialized artifact: the compile worker's whole job (it writes the bytes to
    /// its parent, which authenticates them into the cache). Checks the module's shape first.
    /// </summary>
    public static byte[] CompileToArtifact(string path, EngineSettings settings)
    {
        var file = ReadModuleFile(path);
        var engine = EngineRegistry.Get(settings);
        using var compiled = CompileChecked(path, engine, file).Module;
        return compiled.Serialize();
    }

    /// <summary>
    /// Loads an artifact compiled for this engine (the parent verified it before handing it over). A file the engine
    /// refuses is a setup failure, never a reason to compile something else.
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

    /// <summary>The SHA-256 of a module file as it is on disk (text or binary): the module's identity in the cache and the report.</summary>
    public static string Sha256Of(byte[] file) => Core.Hashing.Sha256s.HashHex(file);

    /// <summary>
    /// The SHA-256 of a module file as it is on disk, through the cache's memo when there is a cache (an unchanged file
    /// is then not read again), with the one-line error of <see cref="ReadModuleFile"/> when it cannot be read.
    /// </summary>
    public static string Sha256Of(string path, ModuleCache? cache)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            return cache?.Sha256Of(file) ?? Convert.ToHexStringLower(Core.Hashing.Sha256s.Hash(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw CannotRead(path, e);
        }
    }

    /// <summary>Reads a module file as it is, with the one-line error of <see cref="ReadModuleBytes"/> when it cannot.</summary>
    public static byte[] ReadModuleFile(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw CannotRead(path, e);
        }
    }

    private static SetupException CannotRead(string path, Exception e)
    {
        var why = e switch
        {
            FileNotFoundException or DirectoryNotFoundException => "no such file",
            UnauthorizedAccessException => "permission denied",
            _ when Directory.Exists(path) => "it is a directory",
            _ => e.Message,
        };
        return new SetupException(SetupStage.ReadModule, $"cannot read module {path}: {why}; pass the path of a .wasm file");
    }

    /// <summary>Text to binary, shape check, memory-growth rewrite, compile.</summary>
    private static (Module Module, bool Instrumented) CompileChecked(string path, EngineEntry engine, byte[] file)
    {
        var binary = ToBinary(path, file);
        try { ModuleShape.Check(binary, ModuleShapeLimits.Default); }
        catch (ModuleTooLargeException e)
        {
            throw new SetupException(SetupStage.Compile, $"{path} is too large to compile: {e.Message}; wasmbox refuses what no real program needs (see docs/SECURITY.md)");
        }
        var rewritten = WasmGrowInstrumenter.Instrument(binary);
        return (Compile(path, engine, rewritten.Bytes), rewritten.Instrumented);
    }

    /// <summary>The module's bytes; WAT text (a <c>.wat</c> file) is converted to binary first.</summary>
    public static byte[] ReadModuleBytes(string path) => ToBinary(path, ReadModuleFile(path));

    private static byte[] ToBinary(string path, byte[] bytes)
    {
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

