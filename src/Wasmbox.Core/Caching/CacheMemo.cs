using System.Security.Cryptography;
using System.Text;

namespace Wasmbox.Core.Caching;

/// <summary>
/// A small file in the cache folder that records something learnt by reading a big file in full (an entry verified, a
/// module hashed), so that a later run can skip the read. Authenticated under the cache's secret like the entries.
/// </summary>
/// <remarks>
/// <code>
/// [ payload ][ HMAC-SHA256(secret, label ‖ 0 ‖ payload) : 32 ]
/// </code>
/// <para>The label keeps one kind of memo from being passed off as another, and no memo's MAC input can be read as an
/// entry's (an entry's starts with a cache key, a SHA-256 output). A memo that is missing, damaged or forged is just a
/// miss: the caller reads the big file again. Memos are written to a temporary name and renamed into place, and never
/// flushed to disk: a torn one fails its MAC.</para>
/// </remarks>
internal static class CacheMemo
{
    private const int MacLength = 32;

    /// <summary>The payload of an authentic memo of this label and length, or null.</summary>
    public static byte[]? TryRead(string path, byte[] secret, string label, int payloadLength)
    {
        byte[] bytes;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            if (file.Length != payloadLength + MacLength) return null;
            bytes = new byte[payloadLength + MacLength];
            file.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }

        var payload = bytes.AsSpan(0, payloadLength);
        return CryptographicOperations.FixedTimeEquals(bytes.AsSpan(payloadLength), Mac(secret, label, payload)) ? payload.ToArray() : null;
    }

    /// <summary>Writes a memo atomically; failing to (read-only disk, no space) only costs a later run a read.</summary>
    public static void Write(string path, byte[] secret, string label, ReadOnlySpan<byte> payload)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, CacheSecret.OwnerOnlyNewFile()))
            {
                file.Write(payload);
                file.Write(Mac(secret, label, payload));
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException) { }
        }
    }

    private static byte[] Mac(byte[] secret, string label, ReadOnlySpan<byte> payload)
    {
        using var hmac = Hashing.Sha256s.CreateHmac(secret, payload.Length);
        hmac.Append(Encoding.UTF8.GetBytes(label + "\0"));
        hmac.Append(payload);
        return hmac.Finish();
    }
}
