using System.Security.Cryptography;
using System.Text;

namespace Wasmbox.Core.Caching;

/// <summary>
/// Precompiled module artifacts on disk, one file per (module, engine) pair.
/// </summary>
/// <remarks>
/// <para>Overview. A precompiled artifact is native code that the engine maps and runs without checking it, so a
/// damaged or foreign file must never be loaded. Each file is the engine's artifact followed by a trailer:</para>
/// <code>
/// [ artifact bytes … ][ SHA-256 of the artifact : 32 ][ cache key : 32 ][ "WBXCACH1" : 8 ]
/// </code>
/// <para>Wasmtime ignores bytes after the artifact's ELF image (measured), so the file can still be handed to
/// <c>Module.DeserializeFile</c>, which maps it instead of copying it (0.3 ms against 0.9 ms here).
/// <see cref="TryGet"/> checks the trailer and the hash first and deletes a file that fails, so the caller recompiles.</para>
/// <para>Files are written to a temporary name in the same folder and renamed into place, so a reader sees either no
/// file or a whole one, and two processes filling the same entry at once both succeed.</para>
/// <para>What this does not defend against: someone who can write to the cache folder between our check and the
/// engine's load. The folder is the user's own; anyone who can write there can already replace the user's programs.</para>
/// </remarks>
public sealed class ModuleCache
{
    private static readonly byte[] Magic = "WBXCACH1"u8.ToArray();
    private const int TrailerLength = 32 + 32 + 8;

    public ModuleCache(string directory) => Directory = directory;

    /// <summary>The folder that holds the entries.</summary>
    public string Directory { get; }

    /// <summary><c>$XDG_CACHE_HOME/wasmbox</c>, else <c>~/.cache/wasmbox</c>.</summary>
    public static string DefaultDirectory(Func<string, string?> env)
    {
        var xdg = env("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "wasmbox");
        var home = env("HOME");
        if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "wasmbox");
    }

    /// <summary>
    /// The key of a module compiled by one engine configuration: SHA-256 over the module's own hash and a fingerprint
    /// that must change whenever the artifact would (engine version, engine settings, our own rewriting of the module).
    /// </summary>
    public static byte[] Key(string moduleSha256, string engineFingerprint) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(moduleSha256 + "\n" + engineFingerprint));

    public string PathFor(byte[] key) => Path.Combine(Directory, Convert.ToHexStringLower(key) + ".cwasm");

    /// <summary>The path of a verified entry, or null. An entry that fails any check is deleted.</summary>
    public string? TryGet(byte[] key)
    {
        var path = PathFor(key);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }

        if (IsIntact(bytes, key)) return path;
        TryDelete(path);
        return null;
    }

    /// <summary>Writes an entry atomically. Failure to write (read-only disk, no space) is not an error for the run: the module is already compiled.</summary>
    /// <returns>The path written, or null when the cache could not be written.</returns>
    public string? Put(byte[] key, ReadOnlySpan<byte> artifact)
    {
        var path = PathFor(key);
        var temp = Path.Combine(Directory, $".{Convert.ToHexStringLower(key)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(artifact);
                file.Write(SHA256.HashData(artifact));
                file.Write(key);
                file.Write(Magic);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            return null;
        }
    }

    /// <summary>Removes an entry, e.g. one the engine refused to load although its hash matched (a foreign engine build).</summary>
    public void Remove(byte[] key) => TryDelete(PathFor(key));

    private static bool IsIntact(ReadOnlySpan<byte> file, ReadOnlySpan<byte> key)
    {
        if (file.Length <= TrailerLength) return false;
        var artifact = file[..^TrailerLength];
        var trailer = file[^TrailerLength..];
        return trailer[64..].SequenceEqual(Magic)
            && trailer[32..64].SequenceEqual(key)
            && trailer[..32].SequenceEqual(SHA256.HashData(artifact));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
