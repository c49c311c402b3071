namespace Wasmbox.Wasi.Randomness;

/// <summary>
/// Where <c>random_get</c>'s bytes come from: <see cref="SystemRandom"/> (the operating system's CSPRNG) or
/// <see cref="SeededRandom"/> (<c>--deterministic --seed N</c>).
/// </summary>
public abstract class WasiRandom
{
    /// <summary>Fills <paramref name="destination"/> with the next bytes of this source.</summary>
    public abstract void Fill(Span<byte> destination);
}
