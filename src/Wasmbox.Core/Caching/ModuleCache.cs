using System.Security.Cryptography;
using System.Text;

namespace Wasmbox.Core.Caching;

/// <summary>
/// Precompiled module artifacts on disk, one file per (module, engine, compile site), each authenticated with the
/// cache's secret.
/// </summary>
/// <remarks>
/// <para>Overview. A precompiled artifact is native code that the engine maps and runs without checking it, so only a
/// file this cache wrote may ever be loaded. Each file is the engine's artifact followed by a trailer:</para>
/// <code>
/// [ artifact bytes … ][ HMAC-SHA256(secret, key ‖ artifact) : 32 ][ cache key : 32 ][ "WBXCACH2" : 8 ]
/// </code>
/// <para>The secret (<see cref="CacheSecret"/>) lives in the cache folder, readable by its owner only. A file whose
/// HMAC does not verify (damaged, truncated, foreign, forged, or written under another key) is deleted and the caller
/// recompiles.</para>
/// <para>Wasmtime ignores bytes after the artifact's ELF image (measured), so the file can still be handed to
/// <c>Module.DeserializeFile</c>, which maps it instead of copying it (0.3 ms against 0.9 ms here).</para>
/// <para>Files are written to a temporary name in the same folder and renamed into place, so a reader sees either no
/// file or a whole one, and two processes filling the same entry at once both succeed.</para>
/// <para>What this does not defend against: someone who can write to the cache folder between our check and the
/// engine's load, or who can read the secret. Both need the user's own rights over the folder; no guest is ever
/// granted it (<see cref="Overlaps"/>).</para>
/// </remarks>
public sealed class ModuleCache
{
    private static readonly byte[] Magic = "WBXCACH2"u8.ToArray();
    private const int TrailerLength = 32 + 32 + 8;
    private byte[]? _secret;

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
    /// The key of a module compiled by one engine configuration at one site: SHA-256 over the module's own hash, a
    /// fingerprint that must change whenever the artifact would (engine version, engine settings, our own rewriting of
    /// the module), and where it was compiled (<see cref="CompileSite"/>).
    /// </summary>
    public static byte[] Key(string moduleSha256, string engineFingerprint, CompileSite site) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"{moduleSha256}\n{engineFingerprint}\nsite={site}"));

    public string PathFor(byte[] key) => Path.Combine(Directory, Convert.ToHexStringLower(key) + ".cwasm");

    /// <summary>
    /// True when granting <paramref name="hostDirectory"/> to a guest would expose the cache: it is the cache folder, an
    /// ancestor of it, or inside it. Symbolic links in either path are resolved first.
    /// </summary>
    public bool Overlaps(string hostDirectory)
    {
        var grant = RealPath(hostDirectory);
        var cache = RealPath(Directory);
        return IsSameOrBeneath(cache, grant) || IsSameOrBeneath(grant, cache);
    }

    /// <summary>The path of a verified entry, or null. An entry that fails any check is deleted.</summary>
    public string? TryGet(byte[] key)
    {
        var path = PathFor(key);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }

        if (Secret() is { } secret && IsAuthentic(bytes, key, secret)) return path;
        TryDelete(path);
        return null;
    }

    /// <summary>Writes an entry atomically. Failure to write (read-only disk, no space) is not an error for the run: the module is already compiled.</summary>
    /// <returns>The path written, or null when the cache could not be written.</returns>
    public string? Put(byte[] key, ReadOnlySpan<byte> artifact)
    {
        if (Secret() is not { } secret) return null;
        var path = PathFor(key);
        var temp = Path.Combine(Directory, $".{Convert.ToHexStringLower(key)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, CacheSecret.OwnerOnlyNewFile()))
            {
                file.Write(artifact);
                file.Write(Mac(secret, key, artifact));
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

    /// <summary>Removes an entry, e.g. one the engine refused to load although it verified (a foreign engine build).</summary>
    public void Remove(byte[] key) => TryDelete(PathFor(key));

    /// <summary>The secret, created with the folder on first use; null when neither can be read nor made.</summary>
    private byte[]? Secret() => _secret ??= CacheSecret.LoadOrCreate(Directory);

    private static byte[] Mac(byte[] secret, ReadOnlySpan<byte> key, ReadOnlySpan<byte> artifact)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(key);
        hmac.AppendData(artifact);
        return hmac.GetHashAndReset();
    }

    private static bool IsAuthentic(ReadOnlySpan<byte> file, ReadOnlySpan<byte> key, byte[] secret)
    {
        if (file.Length <= TrailerLength) return false;
        var artifact = file[..^TrailerLength];
        var trailer = file[^TrailerLength..];
        return trailer[64..].SequenceEqual(Magic)
            && trailer[32..64].SequenceEqual(key)
            && CryptographicOperations.FixedTimeEquals(trailer[..32], Mac(secret, key, artifact));
    }

    /// <summary>The path with every existing component's links resolved (a missing tail is kept as written).</summary>
    private static string RealPath(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var missing = new Stack<string>();
        var current = full;
        while (!System.IO.Directory.Exists(current) && !File.Exists(current) && Path.GetDirectoryName(current) is { } parent)
        {
            missing.Push(Path.GetFileName(current));
            current = parent;
        }
        var resolved = ResolveAll(current);
        while (missing.Count > 0) resolved = Path.Combine(resolved, missing.Pop());
        return resolved;
    }

    /// <summary>Resolves links component by component, so a link in the middle of the path counts too.</summary>
    private static string ResolveAll(string existing, int depth = 0)
    {
        if (depth > 40) return existing; // a link loop: the caller compares what it has
        var parts = existing.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var result = "/";
        foreach (var part in parts)
        {
            var next = Path.Combine(result, part);
            var target = new FileInfo(next).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            result = target is null ? next : ResolveAll(Path.TrimEndingDirectorySeparator(target), depth + 1);
        }
        return result;
    }

    private static bool IsSameOrBeneath(string path, string root) =>
        path == root || root == "/" || path.StartsWith(root + "/", StringComparison.Ordinal);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
