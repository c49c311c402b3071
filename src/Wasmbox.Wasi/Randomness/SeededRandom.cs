using System.Buffers.Binary;

namespace Wasmbox.Wasi.Randomness;

/// <summary>
/// The seeded byte stream of <c>--deterministic</c>: xoshiro256** (Blackman and Vigna, https://prng.di.unimi.it/), its
/// state filled by SplitMix64 from the seed, as the authors recommend.
/// </summary>
/// <remarks>
/// <para>Why our own generator rather than <see cref="System.Random"/>: the sequence a seeded <c>System.Random</c> gives
/// is not promised to stay the same across .NET versions, and a deterministic run must give the same bytes on any host,
/// today and after an upgrade. Both algorithms are fixed, public and a few lines long; tests pin their output.</para>
/// <para>The stream: each 64-bit output is taken as 8 bytes, little-endian, and bytes are handed out in order, the
/// unused rest of an output kept for the next call. So the bytes do not depend on how the guest splits its requests:
/// <c>random_get(4)</c> twice gives the same 8 bytes as <c>random_get(8)</c> once.</para>
/// <para>Not cryptographically secure, and not meant to be: it exists to make runs reproducible.</para>
/// </remarks>
public sealed class SeededRandom : WasiRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private ulong _pending;
    private int _pendingCount;

    public SeededRandom(ulong seed)
    {
        var splitMix = seed;
        _s0 = SplitMix64(ref splitMix);
        _s1 = SplitMix64(ref splitMix);
        _s2 = SplitMix64(ref splitMix);
        _s3 = SplitMix64(ref splitMix);
    }

    public override void Fill(Span<byte> destination)
    {
        while (destination.Length > 0 && _pendingCount > 0)
        {
            destination[0] = (byte)_pending;
            destination = destination[1..];
            _pending >>= 8;
            _pendingCount--;
        }
        while (destination.Length >= 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination, Next());
            destination = destination[8..];
        }
        if (destination.Length == 0) return;
        _pending = Next();
        _pendingCount = 8;
        Fill(destination);
    }

    /// <summary>The next 64-bit output of xoshiro256**.</summary>
    internal ulong Next()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>One step of SplitMix64 (Steele, Lea and Flood): advances <paramref name="state"/> and returns the next output.</summary>
    internal static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
