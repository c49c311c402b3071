using System.Security.Cryptography;

namespace Wasmbox.Wasi.Randomness;

/// <summary>The operating system's cryptographically secure generator (<see cref="RandomNumberGenerator.Fill"/>): the default.</summary>
public sealed class SystemRandom : WasiRandom
{
    public static SystemRandom Instance { get; } = new();

    private SystemRandom() { }

    public override void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
