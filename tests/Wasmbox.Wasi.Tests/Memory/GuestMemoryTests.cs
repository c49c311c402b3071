using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Tests.Memory;

public class GuestMemoryTests
{
    [Theory]
    [InlineData(65536u, 1u)]
    [InlineData(65533u, 4u)]
    [InlineData(uint.MaxValue, 2u)]
    public void Slice_PastTheEnd_Traps(uint ptr, uint len)
    {
        var memory = new PinnedMemory(65536);
        Assert.Throws<WasiTrap>(() => memory.View().Slice(ptr, len));
    }

    [Fact]
    public void Slice_LastByte_IsInBounds()
    {
        var memory = new PinnedMemory(65536);
        memory.View().Slice(65535, 1)[0] = 7;
        Assert.Equal(7, memory.Bytes[65535]);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(6u)]
    public void ReadU64_Misaligned_Traps(uint ptr) =>
        Assert.Throws<WasiTrap>(() => new PinnedMemory(64).View().ReadU64(ptr));

    [Fact]
    public void WriteU32_IsLittleEndian()
    {
        var memory = new PinnedMemory(16);
        memory.View().WriteU32(4, 0x11223344);
        Assert.Equal([0x44, 0x33, 0x22, 0x11], memory.Bytes[4..8]);
    }

    [Fact]
    public void ReadString_InvalidUtf8_IsIlseq()
    {
        var memory = new PinnedMemory(16);
        memory.Bytes[0] = 0xC3;
        memory.Bytes[1] = 0x28;
        Assert.Equal(Errno.Ilseq, memory.View().ReadString(0, 2, out _));
    }
}
