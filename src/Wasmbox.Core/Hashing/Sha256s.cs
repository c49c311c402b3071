using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Wasmbox.Core.Hashing;

/// <summary>
/// SHA-256 and HMAC-SHA-256 for module identities and cache entries, without loading OpenSSL for small inputs.
/// </summary>
/// <remarks>
/// Why two implementations: .NET hashes through OpenSSL on Linux, and the first hash of a process loads libssl and
/// libcrypto and reads openssl.cnf: 6.5–10 ms measured on a 2-core VM, the largest single step of a cached `wasmbox run`
/// before the jail starts (a hello's module hashes in microseconds). Inputs up to <see cref="ManagedLimit"/> are hashed
/// by BouncyCastle's managed SHA-256, which costs nothing to start; larger ones by OpenSSL, whose SHA extensions are many
/// times faster per byte, so its start-up cost is small next to the hashing. Both give the same bytes (tested).
/// </remarks>
public static class Sha256s
{
    /// <summary>Inputs up to this many bytes are hashed by the managed implementation.</summary>
    public const long ManagedLimit = 1 << 20;

    public const int Length = 32;

    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        if (data.Length > ManagedLimit) return SHA256.HashData(data);
        var digest = new Sha256Digest();
        digest.BlockUpdate(data);
        var result = new byte[Length];
        digest.DoFinal(result);
        return result;
    }

    /// <summary>Hashes a stream from its position to its end: a seekable one of at most <see cref="ManagedLimit"/> bytes by the managed implementation.</summary>
    public static byte[] Hash(Stream stream)
    {
        if (!stream.CanSeek || stream.Length - stream.Position > ManagedLimit) return SHA256.HashData(stream);
        var bytes = new byte[stream.Length - stream.Position];
        stream.ReadExactly(bytes);
        return Hash(bytes);
    }

    /// <summary>The lowercase hex form used for module digests.</summary>
    public static string HashHex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(Hash(data));

    /// <summary>An incremental HMAC-SHA-256 under <paramref name="key"/>, for about <paramref name="expectedLength"/> bytes of input.</summary>
    public static IIncrementalMac CreateHmac(byte[] key, long expectedLength) =>
        expectedLength > ManagedLimit ? new OpenSslHmac(key) : new ManagedHmac(key);

    /// <summary>Appends input, then <see cref="Finish"/> gives the 32-byte tag once.</summary>
    public interface IIncrementalMac : IDisposable
    {
        void Append(ReadOnlySpan<byte> data);

        byte[] Finish();
    }

    private sealed class ManagedHmac : IIncrementalMac
    {
        private readonly HMac _mac = new(new Sha256Digest());

        public ManagedHmac(byte[] key) => _mac.Init(new KeyParameter(key));

        public void Append(ReadOnlySpan<byte> data) => _mac.BlockUpdate(data);

        public byte[] Finish()
        {
            var tag = new byte[Length];
            _mac.DoFinal(tag);
            return tag;
        }

        public void Dispose()
        {
        }
    }

    private sealed class OpenSslHmac(byte[] key) : IIncrementalMac
    {
        private readonly IncrementalHash _mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);

        public void Append(ReadOnlySpan<byte> data) => _mac.AppendData(data);

        public byte[] Finish() => _mac.GetHashAndReset();

        public void Dispose() => _mac.Dispose();
    }
}
