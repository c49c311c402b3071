using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Tests.Host;

public class ArgsTests
{
    private static HostFixture WithArgs(params string[] argv) => new(new WasiOptions { Argv = argv });

    [Fact]
    public void ArgsSizesGet_TwoArgs_WritesCountAndBufferSize()
    {
        using var f = WithArgs("a", "bc");

        Assert.Equal(Errno.Success, f.Host.ArgsSizesGet(f.View, 0, 8));

        Assert.Equal(2u, f.U32(0));
        Assert.Equal(5u, f.U32(8)); // "a\0bc\0"
        Assert.Equal("????"u8.ToArray(), f.Bytes(4, 4));
        Assert.Equal("????"u8.ToArray(), f.Bytes(12, 4));
    }

    [Fact]
    public void ArgsGet_TwoArgs_WritesPointersThenPackedStrings()
    {
        using var f = WithArgs("a", "bc");

        Assert.Equal(Errno.Success, f.Host.ArgsGet(f.View, argv: 16, argvBuf: 32));

        // argv: two u32 pointers into argv_buf (32 and 34), then sentinels.
        Assert.Equal(new byte[] { (byte)'?', 32, 0, 0, 0, 34, 0, 0, 0, (byte)'?' }, f.Bytes(15, 10));
        // argv_buf: the packed NUL-terminated strings, then sentinels.
        Assert.Equal("?a\0bc\0?"u8.ToArray(), f.Bytes(31, 7));
    }

    [Fact]
    public void ArgsGet_NonAscii_IsUtf8()
    {
        using var f = WithArgs("é");

        f.Host.ArgsGet(f.View, 0, 8);

        Assert.Equal(new byte[] { 0xC3, 0xA9, 0, (byte)'?' }, f.Bytes(8, 4));
    }

    [Fact]
    public void ArgsSizesGet_NoArgs_IsZeroAndZero()
    {
        using var f = WithArgs();

        Assert.Equal(Errno.Success, f.Host.ArgsSizesGet(f.View, 0, 4));

        Assert.Equal(0u, f.U32(0));
        Assert.Equal(0u, f.U32(4));
    }

    [Fact]
    public void ArgsGet_NoArgs_WritesNothingAndNeverTraps()
    {
        using var f = WithArgs();

        Assert.Equal(Errno.Success, f.Host.ArgsGet(f.View, uint.MaxValue, uint.MaxValue));

        Assert.All(f.Memory.Bytes, b => Assert.Equal(HostFixture.Sentinel, b));
    }

    [Fact]
    public void ArgsGet_CalledTwice_WritesTheSameBytes()
    {
        using var f = WithArgs("x", "yz");
        f.Host.ArgsGet(f.View, 0, 8);
        var first = f.Bytes(0, 16);

        f.Host.ArgsGet(f.View, 0, 8);

        Assert.Equal(first, f.Bytes(0, 16));
    }

    public static TheoryData<uint, uint> BadArgsGetPointers => new()
    {
        { 65536 - 4, 0 },        // argv: second pointer past the end
        { 2, 100 },              // argv: misaligned
        { 0, 65536 - 4 },        // argv_buf: the last NUL past the end
        { 0, uint.MaxValue },    // argv_buf: wraps around
    };

    [Theory]
    [MemberData(nameof(BadArgsGetPointers))]
    public void ArgsGet_BadPointer_TrapsAndWritesNothing(uint argv, uint argvBuf)
    {
        using var f = WithArgs("a", "bc");

        Assert.Throws<WasiTrap>(() => f.Host.ArgsGet(f.View, argv, argvBuf));

        Assert.All(f.Memory.Bytes, b => Assert.Equal(HostFixture.Sentinel, b));
    }

    [Theory]
    [InlineData(65536u, 0u)]
    [InlineData(0u, 65536u)]
    [InlineData(1u, 8u)]
    [InlineData(0u, 6u)]
    public void ArgsSizesGet_BadPointer_TrapsAndWritesNothing(uint argcPtr, uint sizePtr)
    {
        using var f = WithArgs("a");

        Assert.Throws<WasiTrap>(() => f.Host.ArgsSizesGet(f.View, argcPtr, sizePtr));

        Assert.All(f.Memory.Bytes, b => Assert.Equal(HostFixture.Sentinel, b));
    }

    [Fact]
    public void ArgsGet_ExactlyAtTheEndOfMemory_Fits()
    {
        using var f = WithArgs("a", "bc");

        Assert.Equal(Errno.Success, f.Host.ArgsGet(f.View, 65536 - 8, 65536 - 13));

        Assert.Equal("a\0bc\0"u8.ToArray(), f.Bytes(65536 - 13, 5));
        Assert.Equal(65536u - 13, f.U32(65536 - 8));
        Assert.Equal(65536u - 11, f.U32(65536 - 4));
    }
}
