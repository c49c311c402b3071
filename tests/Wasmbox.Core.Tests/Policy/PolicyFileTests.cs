using Wasmbox.Core.Policy;

namespace Wasmbox.Core.Tests.Policy;

public class PolicyFileTests
{
    [Fact]
    public void Parse_EverySetting_UsesTheFlagNames()
    {
        using var tmp = new TempDir();
        tmp.Dir("data");
        tmp.Write("in.txt", "x");
        var settings = PolicyFile.Parse("""
            dir = ["data::/data"]
            ro-dir = ["data::/ro"]
            env = ["A=1", "B"]
            max-memory = "64MiB"
            fuel = 1000
            timeout = "5s"
            stdin = "in.txt"
            isolation = "none"
            """, "p.toml", tmp.Path);

        var policy = settings.Build(n => n == "B" ? "host-b" : null, new StdinSource.Inherit());

        Assert.Equal(new DirGrant(Path.Combine(tmp.Path, "data"), "/data", false), policy.Dirs[0]);
        Assert.Equal(new DirGrant(Path.Combine(tmp.Path, "data"), "/ro", true), policy.Dirs[1]);
        Assert.Equal([new("A", "1"), new KeyValuePair<string, string>("B", "host-b")], policy.Env);
        Assert.Equal(new SandboxLimits(64L << 20, 1000UL, TimeSpan.FromSeconds(5)), policy.Limits);
        Assert.Equal(new StdinSource.FromFile(tmp.File("in.txt")), policy.Stdin);
    }

    [Fact]
    public void Parse_CpuTimeAndCpus_AcceptFloatIntegerAndString()
    {
        Assert.Equal(0.5, PolicyFile.Parse("cpus = 0.5\ncpu-time = \"2s\"\n", "p.toml", "/").Build(_ => null, new StdinSource.None()).Limits.Cpus);
        Assert.Equal(2.0, PolicyFile.Parse("cpus = 2\n", "p.toml", "/").Build(_ => null, new StdinSource.None()).Limits.Cpus);
        Assert.Equal(TimeSpan.FromSeconds(2), PolicyFile.Parse("cpu-time = \"2s\"\n", "p.toml", "/").Build(_ => null, new StdinSource.None()).Limits.CpuTime);
        var e = Assert.Throws<PolicyException>(() => PolicyFile.Parse("cpu-time = 2\n", "p.toml", "/"));
        Assert.Contains("cpu-time", e.Message);
    }

    [Fact]
    public void Parse_EnvAsTable_IsAccepted()
    {
        var settings = PolicyFile.Parse("[env]\nA = \"1\"\n", "p.toml", "/");
        Assert.Equal([new KeyValuePair<string, string>("A", "1")], settings.Build(_ => null, new StdinSource.None()).Env);
    }

    [Theory]
    [InlineData("max-memory = = 1", "p.toml:1:")]
    [InlineData("timeout = \"5s\"\ntimeout = \"1h\"", "set twice")]
    [InlineData("max_memory = \"1MiB\"", "unknown setting 'max_memory'")]
    [InlineData("dir = 5", "expected a list of strings")]
    [InlineData("dir = [1, 2]", "expected a list of strings")]
    [InlineData("timeout = 5", "expected a string")]
    [InlineData("fuel = true", "expected a string or a whole number")]
    [InlineData("[limits]\nfuel = 1", "unknown setting 'limits'")]
    public void Parse_BadFile_IsRefusedWithWhereAndWhat(string toml, string expected)
    {
        var e = Assert.Throws<PolicyException>(() => PolicyFile.Parse(toml, "p.toml", "/"));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Load_MissingFile_IsRefused()
    {
        var e = Assert.Throws<PolicyException>(() => PolicyFile.Load("/no/such/policy.toml"));
        Assert.Contains("cannot read", e.Message);
    }
}
