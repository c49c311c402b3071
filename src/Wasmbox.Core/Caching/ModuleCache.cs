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
/// <para>Why memos: verifying an entry means reading and HMAC-ing all of it, and the module's key means hashing the
/// whole module: 0.5 s of a warm start for a 75 MB module, against 10 ms for the engine to map the artifact. So after a
/// full read, a memo (<see cref="CacheMemo"/>, authenticated under the same secret) records the file's
/// <see cref="FileStamp"/> (device, inode, size, mtime, ctime) with what was learnt: "this entry verified", or "this
/// module's SHA-256 is …". A later run whose open file has the same stamp skips the read. Any write to either file
/// changes its ctime, which no unprivileged process can set back, so a rewritten module or a tampered entry misses the
/// memo and is read in full again; someone without the secret cannot forge a memo (docs/RATIONALE.md, "Why memoise
/// …?").</para>
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
    private const string EntryMemoLabel = "wasmbox entry verified v1";
    private const string ModuleMemoLabel = "wasmbox module sha256 v1";
    private readonly TimeProvider _time;
    private byte[]? _secret;
    private long _fullReads;

    /// <param name="time">The clock that says whether a file's stamp has settled (<see cref="FileStamp.IsSettled"/>); the system's by default.</param>
    public ModuleCache(string directory, TimeProvider? time = null)
    {
        Directory = directory;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// How many files this instance has read in full, to verify an entry or to hash a module. A warm start of an
    /// unchanged module reads none (the memos); tests check that it stays so.
    /// </summary>
    public long FullReads => Interlocked.Read(ref _fullReads);

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
        Hashing.Sha256s.Hash(Encoding.UTF8.GetBytes($"{moduleSha256}\n{engineFingerprint}\nsite={site}"));

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

    /// <summary>
    /// The path of a verified entry, or null. An entry that fails any check is deleted. An entry verified before and not
    /// written since (its memo's stamp matches) is not read again.
    /// </summary>
    public string? TryGet(byte[] key)
    {
        var path = PathFor(key);
        FileStream file;
        try { file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }

        using (file)
        {
            var readStartedAt = _time.GetUtcNow();
            var stamp = FileStamp.Of(file.SafeFileHandle);
            var secret = Secret();
            if (secret is not null && stamp is { } known && RememberedAsVerified(key, known, secret)) return path;

            Interlocked.Increment(ref _fullReads);
            bool authentic;
            try { authentic = secret is not null && IsAuthentic(file, key, secret); }
            catch (IOException) { return null; }
            if (!authentic)
            {
                file.Dispose();
                TryDelete(path);
                TryDelete(MemoFor(key));
                return null;
            }
            if (stamp is { } read && read.IsSettled(readStartedAt) && FileStamp.Of(file.SafeFileHandle) == read)
                CacheMemo.Write(MemoFor(key), secret!, EntryMemoLabel, EntryMemo(key, read));
            return path;
        }
    }

    /// <summary>
    /// The SHA-256 of an open module file, as lowercase hex: remembered from an earlier read when the file has not been
    /// written since (its <see cref="FileStamp"/> matches the memo), else read and hashed in full, and remembered.
    /// </summary>
    /// <exception cref="IOException">The file could not be read.</exception>
    public string Sha256Of(FileStream module)
    {
        var readStartedAt = _time.GetUtcNow();
        var stamp = FileStamp.Of(module.SafeFileHandle);
        var secret = Secret();
        if (secret is not null && stamp is { } known
            && CacheMemo.TryRead(ModuleMemoFor(known), secret, ModuleMemoLabel, FileStamp.Length + 32) is { } memo
            && memo.AsSpan(0, FileStamp.Length).SequenceEqual(known.ToBytes()))
        {
            return Convert.ToHexStringLower(memo.AsSpan(FileStamp.Length));
        }

        Interlocked.Increment(ref _fullReads);
        var sha = Hashing.Sha256s.Hash(module);
        if (secret is not null && stamp is { } read && read.IsSettled(readStartedAt) && FileStamp.Of(module.SafeFileHandle) == read)
        {
            var payload = new byte[FileStamp.Length + 32];
            read.WriteTo(payload);
            sha.CopyTo(payload, FileStamp.Length);
            CacheMemo.Write(ModuleMemoFor(read), secret, ModuleMemoLabel, payload);
        }
        return Convert.ToHexStringLower(sha);
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
    public void Remove(byte[] key)
    {
        TryDelete(PathFor(key));
        TryDelete(MemoFor(key));
    }

    /// <summary>The memo that says an entry verified (<see cref="CacheMemo"/>).</summary>
    private string MemoFor(byte[] key) => Path.Combine(Directory, Convert.ToHexStringLower(key) + ".verified");

    /// <summary>The memo of a module's hash, named by the file's identity: one per module file, whatever its path.</summary>
    private string ModuleMemoFor(FileStamp stamp) => Path.Combine(Directory, $"module-{stamp.Device:x}-{stamp.Inode:x}.sha256");

    private bool RememberedAsVerified(byte[] key, FileStamp stamp, byte[] secret) =>
        CacheMemo.TryRead(MemoFor(key), secret, EntryMemoLabel, 32 + FileStamp.Length) is { } memo
        && memo.AsSpan().SequenceEqual(EntryMemo(key, stamp));

    /// <summary>The key is in the memo too, so a memo copied to another entry's name says nothing about that entry.</summary>
    private static byte[] EntryMemo(byte[] key, FileStamp stamp)
    {
        var payload = new byte[32 + FileStamp.Length];
        key.CopyTo(payload, 0);
        stamp.WriteTo(payload.AsSpan(32));
        return payload;
    }

    /// <summary>The secret, created with the folder on first use; null when neither can be read nor made.</summary>
    private byte[]? Secret() => _secret ??= CacheSecret.LoadOrCreate(Directory);

    private static byte[] Mac(byte[] secret, ReadOnlySpan<byte> key, ReadOnlySpan<byte> artifact)
    {
        using var hmac = Hashing.Sha256s.CreateHmac(secret, artifact.Length);
        hmac.Append(key);
        hmac.Append(artifact);
        return hmac.Finish();
    }

    /// <summary>Checks the trailer, then the HMAC over the artifact, read from the open file in 1 MiB pieces.</summary>
    private static bool IsAuthentic(FileStream file, ReadOnlySpan<byte> key, byte[] secret)
    {
        var length = file.Length;
        if (length <= TrailerLength) return false;
        Span<byte> trailer = stackalloc byte[TrailerLength];
        if (RandomAccess.Read(file.SafeFileHandle, trailer, length - TrailerLength) != TrailerLength) return false;
        if (!trailer[64..].SequenceEqual(Magic) || !trailer[32..64].SequenceEqual(key)) return false;

        using var hmac = Hashing.Sha256s.CreateHmac(secret, length);
        hmac.Append(key);
        var mac = HashAll(file, hmac, length - TrailerLength);
        return CryptographicOperations.FixedTimeEquals(trailer[..32], mac);
    }

    /// <summary>Feeds the first <paramref name="count"/> bytes of the file to the HMAC.</summary>
    private static byte[] HashAll(FileStream file, Hashing.Sha256s.IIncrementalMac hash, long count)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            for (long offset = 0; offset < count;)
            {
                var read = RandomAccess.Read(file.SafeFileHandle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, count - offset)), offset);
                if (read == 0) throw new IOException("the file ended early");
                hash.Append(buffer.AsSpan(0, read));
                offset += read;
            }
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
        return hash.Finish();
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
