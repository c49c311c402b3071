using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Tests.Host;

public class SchedTests
{
    [Fact]
    public void SchedYield_Always_SucceedsAndWritesNothing()
    {
        using var f = new HostFixture();

        Assert.Equal(Errno.Success, f.Host.SchedYield(f.View));

        Assert.All(f.Memory.Bytes, b => Assert.Equal(HostFixture.Sentinel, b));
    }
}
