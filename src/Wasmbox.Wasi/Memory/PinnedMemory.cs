using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Wasmbox.Wasi.Memory;

/// <summary>
/// A pinned byte array that can be viewed as <see cref="GuestMemory"/>: lets every host call be tested on plain memory,
/// with no engine.
/// </summary>
public sealed unsafe class PinnedMemory
{
    private readonly byte[] _bytes;

    public PinnedMemory(int length)
    {
        _bytes = GC.AllocateArray<byte>(length, pinned: true);
    }

    public byte[] Bytes => _bytes;

    public GuestMemory View() => new((byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_bytes)), (ulong)_bytes.Length);
}
