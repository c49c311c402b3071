using System.Runtime.InteropServices;
using Wasmbox.Wasi.Randomness.Interop;

namespace Wasmbox.Wasi.Randomness;

/// <summary>The operating system's cryptographically secure generator (<c>getrandom(2)</c>): the default.</summary>
/// <remarks>
/// Why getrandom and not <see cref="System.Security.Cryptography.RandomNumberGenerator"/>: .NET's generator loads
/// libssl on first use, and a guest that has used up the process's descriptors (or its memory) at that moment made the
/// load fail, which aborts the whole process ("No usable version of libssl was found"). getrandom needs no descriptor,
/// no library and no allocation, so nothing the guest does can make it fail short of a kernel without it (Linux 3.17).
/// </remarks>
public sealed class SystemRandom : WasiRandom
{
    /// <summary>Bytes asked of one getrandom call: below the kernel's 32 MiB cap per call.</summary>
    private const int ChunkBytes = 1 << 20;

    private const int EINTR = 4;

    public static SystemRandom Instance { get; } = new();

    private SystemRandom() { }

    /// <exception cref="IOException">getrandom failed with something other than EINTR (no getrandom: ENOSYS).</exception>
    public override unsafe void Fill(Span<byte> destination)
    {
        fixed (byte* start = destination)
        {
            var at = 0;
            while (at < destination.Length)
            {
                var n = Sys.Getrandom(start + at, (nuint)Math.Min(ChunkBytes, destination.Length - at), 0);
                if (n >= 0)
                {
                    // Short returns are normal (a signal past 256 bytes): carry on from where it stopped.
                    at += (int)n;
                    continue;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR) throw new IOException($"getrandom failed with host errno {errno}") { HResult = errno };
            }
        }
    }
}
