using Wasmbox.Core.Policy;

namespace Wasmbox.Core.Tests.Policy;

/// <summary>The settings that Wasmbox's own WASI host enforces: quotas, listeners, deterministic mode.</summary>
public class WasiSettingsTests
{
    private static SandboxPolicy Build(string toml) =>
        PolicyFile.Parse(toml, "p.toml", "/").Build(_ => null, new StdinSource.None());

    [Fact]
    public void Parse_Quotas_AreLimits()
    {
        var policy = Build("max-open-files = 16\nmax-disk-write = \"1MiB\"\nmax-output = 4096\n");
        Assert.Equal(16, policy.Limits.MaxOpenFiles);
        Assert.Equal(1L << 20, policy.Limits.MaxDiskWriteBytes);
        Assert.Equal(4096L, policy.Limits.MaxOutputBytes);
    }

    [Fact]
    public void Parse_NothingSet_NoQuotasNoDeterminismNoListeners()
    {
        var policy = Build("");
        Assert.Null(policy.Limits.MaxOpenFiles);
        Assert.Null(policy.DeterministicSeed);
        Assert.Empty(policy.Listen);
    }

    [Theory]
    [InlineData("deterministic = true", 0UL)]
    [InlineData("seed = 42", 42UL)]
    [InlineData("deterministic = true\nseed = 7", 7UL)]
    public void Parse_Deterministic_SeedDefaultsToZero(string toml, ulong seed) => Assert.Equal(seed, Build(toml).DeterministicSeed);

    [Fact]
    public void Parse_DeterministicFalse_IsOff() => Assert.Null(Build("deterministic = false").DeterministicSeed);

    [Fact]
    public void Parse_Listen_KeepsAddressesInOrder() =>
        Assert.Equal(["127.0.0.1:8080", "[::1]:0"], Build("listen = [\"127.0.0.1:8080\", \"[::1]:0\"]").Listen);

    [Theory]
    [InlineData("max-open-files = 2", "at least 3")]
    [InlineData("max-open-files = \"many\"", "max-open-files")]
    [InlineData("max-disk-write = \"1MB\"", "KiB, MiB or GiB")]
    [InlineData("max-output = \"-1\"", "max-output")]
    [InlineData("listen = [\"8080\"]", "HOST:PORT")]
    [InlineData("listen = [\"localhost:99999\"]", "HOST:PORT")]
    [InlineData("deterministic = \"yes\"", "true or false")]
    [InlineData("seed = \"x\"", "seed")]
    public void Parse_BadValue_IsRefused(string toml, string says)
    {
        var e = Assert.Throws<PolicyException>(() => Build(toml));
        Assert.Contains(says, e.Message);
    }
}
