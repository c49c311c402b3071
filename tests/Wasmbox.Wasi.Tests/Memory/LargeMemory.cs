using System.Runtime.InteropServices;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Tests.Memory;

/// <summary>
/// A full 4 GiB guest memory (the most a wasm32 memory can be), for tests of lengths and address arithmetic that only
/// go wrong near 2^32. The pages are only reserved: an untouched page costs nothing, and the calls under test are
/// expected to refuse before touching more than a few.
/// </summary>
public sealed unsafe class LargeMemory : IDisposable
{
    public static ulong Length => 1UL << 32;

    private readonly byte* _base = (byte*)NativeMemory.Alloc(checked((nuint)Length));

    public GuestMemory View() => new(_base, Length);

    public void Dispose() => NativeMemory.Free(_base);
}
