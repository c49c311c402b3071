using System.Security.Cryptography;

namespace Wasmbox.Supervisor.Modules;

/// <summary>
/// Modules by content: <c>DATA_DIR/modules/&lt;sha256&gt;.wasm</c>, or <c>.wat</c> for a text module (anything that does not
/// start with the binary magic <c>\0asm</c>; the engine parses it later, this store does not judge it).
/// </summary>
/// <remarks>
/// A file appears under its final name only complete and verified: it is written to a temp name in the same folder,
/// flushed to disk, then renamed (atomic on one file system). A file's name is its hash, so <see cref="Verify"/> can
/// always tell a damaged file from a good one.
/// </remarks>
public sealed class ModuleStore
{
    /// <summary>The default largest module: far above any real WASI program (big ones are tens of MiB), small enough to refuse a disk-filling upload.</summary>
    public const long DefaultMaxBytes = 256L << 20;

    private static ReadOnlySpan<byte> WasmMagic => "\0asm"u8;

    public ModuleStore(string dataDir, long maxBytes = DefaultMaxBytes)
    {
        Folder = Path.Combine(dataDir, "modules");
        MaxBytes = maxBytes;
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public long MaxBytes { get; }

    /// <summary>True for 64 lowercase hex digits, the only form of hash the store uses.</summary>
    public static bool IsSha256(string? text) =>
        text is { Length: 64 } && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    public bool Has(string sha256) => PathOf(sha256) is not null;

    /// <summary>The stored file of a module, or null when it is not stored.</summary>
    public string? PathOf(string sha256)
    {
        if (!IsSha256(sha256)) return null;
        foreach (var ext in (ReadOnlySpan<string>)[".wasm", ".wat"])
        {
            var path = Path.Combine(Folder, sha256 + ext);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>
    /// Stores the module read from <paramref name="content"/> and returns its SHA-256. When <paramref name="expectedSha256"/>
    /// is given, content with another hash is refused (a damaged or wrong upload). Storing a module twice is harmless.
    /// </summary>
    /// <exception cref="ModuleStoreException">Too large, empty, or not the expected hash; nothing is stored then.</exception>
    public string Put(Stream content, string? expectedSha256 = null)
    {
        if (expectedSha256 is not null && !IsSha256(expectedSha256))
            throw new ModuleStoreException(ModuleStoreError.BadHash, $"'{expectedSha256}' is not a SHA-256; write 64 lowercase hex digits");
        var temp = Path.Combine(Folder, $".upload-{Guid.NewGuid():N}.tmp");
        try
        {
            string sha;
            bool binary;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var buffer = new byte[81920];
                long total = 0;
                Span<byte> head = stackalloc byte[4];
                var headLength = 0;
                int n;
                while ((n = content.Read(buffer)) > 0)
                {
                    total += n;
                    if (total > MaxBytes)
                        throw new ModuleStoreException(ModuleStoreError.TooLarge,
                            $"the module is larger than the limit of {Core.Units.ByteSize.Format(MaxBytes)}; the operator sets it");
                    var copy = Math.Min(n, head.Length - headLength);
                    buffer.AsSpan(0, copy).CopyTo(head[headLength..]);
                    headLength += copy;
                    hash.AppendData(buffer, 0, n);
                    file.Write(buffer, 0, n);
                }
                if (total == 0) throw new ModuleStoreException(ModuleStoreError.Empty, "the module is empty");
                file.Flush(flushToDisk: true);
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
                binary = headLength == 4 && head.SequenceEqual(WasmMagic);
            }
            if (expectedSha256 is not null && expectedSha256 != sha)
                throw new ModuleStoreException(ModuleStoreError.HashMismatch,
                    $"the module's SHA-256 is {sha}, not {expectedSha256} as announced; the upload is damaged or not the module meant");
            var final = Path.Combine(Folder, sha + (binary ? ".wasm" : ".wat"));
            File.Move(temp, final, overwrite: true);
            return sha;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Re-hashes a stored module. A file whose content no longer matches its name is deleted (so it cannot run, and can be
    /// uploaded again) and the result is false; a module that is not stored is false too.
    /// </summary>
    public bool Verify(string sha256)
    {
        var path = PathOf(sha256);
        if (path is null) return false;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (Convert.ToHexStringLower(SHA256.HashData(file)) == sha256) return true;
        }
        File.Delete(path);
        return false;
    }
}

public enum ModuleStoreError { TooLarge, Empty, BadHash, HashMismatch }

public sealed class ModuleStoreException(ModuleStoreError error, string message) : Exception(message)
{
    public ModuleStoreError Error { get; } = error;
}
