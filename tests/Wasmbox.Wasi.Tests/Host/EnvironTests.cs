using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Tests.Host;

public class EnvironTests
{
    private static HostFixture WithEnv(params (string Name, string Value)[] env) =>
        new(new WasiOptions { Env = env.Select(e => KeyValuePair.Create(e.Name, e.Value)).ToList() });

    [Fact]
    public void EnvironSizesGet_Default_IsEmpty()
    {
        using var f = new HostFixture();

        Assert.Equal(Errno.Success, f.Host.EnvironSizesGet(f.View, 0, 4));

        Assert.Equal(0u, f.U32(0));
        Assert.Equal(0u, f.U32(4));
        Assert.Equal((byte)'?', f.Bytes(8, 1)[0]);
    }

    [Fact]
    public void EnvironSizesGet_TwoVariables_CountsNameEqualsValueWithNuls()
    {
        using var f = WithEnv(("A", "1"), ("BC", "xy"));

        Assert.Equal(Errno.Success, f.Host.EnvironSizesGet(f.View, 0, 4));

        Assert.Equal(2u, f.U32(0));
        Assert.Equal(10u, f.U32(4)); // "A=1\0BC=xy\0"
    }

    [Fact]
    public void EnvironGet_TwoVariables_WritesPointersThenPackedStrings()
    {
        using var f = WithEnv(("A", "1"), ("BC", "xy"));

        Assert.Equal(Errno.Success, f.Host.EnvironGet(f.View, environ: 16, environBuf: 32));

        Assert.Equal(new byte[] { (byte)'?', 32, 0, 0, 0, 36, 0, 0, 0, (byte)'?' }, f.Bytes(15, 10));
        Assert.Equal("?A=1\0BC=xy\0?"u8.ToArray(), f.Bytes(31, 12));
    }

    [Fact]
    public void EnvironGet_EmptyValue_KeepsTheEqualsSign()
    {
        using var f = WithEnv(("EMPTY", ""));

        f.Host.EnvironGet(f.View, 0, 8);

        Assert.Equal("EMPTY=\0?"u8.ToArray(), f.Bytes(8, 8));
    }

    [Theory]
    [InlineData(65536u - 4, 0u)]
    [InlineData(6u, 100u)]
    [InlineData(0u, 65536u - 9)]
    public void EnvironGet_BadPointer_TrapsAndWritesNothing(uint environ, uint environBuf)
    {
        using var f = WithEnv(("A", "1"), ("BC", "xy"));

        Assert.Throws<WasiTrap>(() => f.Host.EnvironGet(f.View, environ, environBuf));

        Assert.All(f.Memory.Bytes, b => Assert.Equal(HostFixture.Sentinel, b));
    }

    [Theory]
    [InlineData(65536u, 0u)]
    [InlineData(0u, 2u)]
    public void EnvironSizesGet_BadPointer_TrapsAndWritesNothing(uint countPtr, uint sizePtr)
    {
        using var f = WithEnv(("A", "1"));

        Assert.Throws<WasiTrap>(() => f.Host.EnvironSizesGet(f.View, countPtr, sizePtr));

        Assert.All(f.Memory.Bytes, b => Assert.Equal(HostFixture.Sentinel, b));
    }
}
