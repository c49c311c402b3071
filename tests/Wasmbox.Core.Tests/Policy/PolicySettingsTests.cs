using Wasmbox.Core.Policy;

namespace Wasmbox.Core.Tests.Policy;

public class PolicySettingsTests
{
    private static readonly Func<string, string?> NoHostEnv = _ => null;

    private static SettingText Flag(string value, string flag, string? baseDir = null) =>
        new(value, flag, baseDir ?? Directory.GetCurrentDirectory());

    [Fact]
    public void Build_NothingSet_DeniesEverything()
    {
        var policy = new PolicySettings().Build(NoHostEnv, new StdinSource.None());
        Assert.Empty(policy.Dirs);
        Assert.Empty(policy.Env);
        Assert.Equal(SandboxLimits.None, policy.Limits);
        Assert.IsType<StdinSource.None>(policy.Stdin);
        Assert.Null(policy.Isolation); // the host's strongest tier, chosen by the launcher
    }

    [Fact]
    public void Build_CpuTimeAndCpus_AreParsed()
    {
        var settings = new PolicySettings { CpuTime = Flag("1.5s", "--cpu-time"), Cpus = Flag("0.25", "--cpus"), Isolation = Flag("jail", "--isolation") };
        var policy = settings.Build(NoHostEnv, new StdinSource.None());
        Assert.Equal(TimeSpan.FromMilliseconds(1500), policy.Limits.CpuTime);
        Assert.Equal(0.25, policy.Limits.Cpus);
        Assert.Equal(IsolationTier.Jail, policy.Isolation);
    }

    [Fact]
    public void Build_EnvNameOnly_CopiesHostValueAndNothingElse()
    {
        var settings = new PolicySettings();
        settings.Env.Add(Flag("HOME", "--env"));
        var policy = settings.Build(name => name == "HOME" ? "/home/x" : "leak", new StdinSource.None());
        Assert.Equal([new KeyValuePair<string, string>("HOME", "/home/x")], policy.Env);
    }

    [Fact]
    public void Build_EnvNameNotSetOnHost_IsRefused()
    {
        var settings = new PolicySettings();
        settings.Env.Add(Flag("NOPE", "--env"));
        var e = Assert.Throws<PolicyException>(() => settings.Build(NoHostEnv, new StdinSource.None()));
        Assert.Contains("NOPE=VALUE", e.Message);
    }

    [Fact]
    public void Build_EnvValueWithEquals_KeepsEverythingAfterFirstEquals()
    {
        var settings = new PolicySettings();
        settings.Env.Add(Flag("A=1=2", "--env"));
        settings.Env.Add(Flag("EMPTY=", "--env"));
        var policy = settings.Build(NoHostEnv, new StdinSource.None());
        Assert.Equal([new("A", "1=2"), new KeyValuePair<string, string>("EMPTY", "")], policy.Env);
    }

    [Theory]
    [InlineData("=x")]
    [InlineData("")]
    public void Build_EnvWithoutName_IsRefused(string entry)
    {
        var settings = new PolicySettings();
        settings.Env.Add(Flag(entry, "--env"));
        Assert.Throws<PolicyException>(() => settings.Build(NoHostEnv, new StdinSource.None()));
    }

    [Fact]
    public void Build_DirWithGuestPath_SplitsAtDoubleColon()
    {
        using var tmp = new TempDir();
        var settings = new PolicySettings();
        settings.Dirs.Add(Flag($"{tmp.Path}::/data", "--dir"));
        settings.RoDirs.Add(Flag(tmp.Path, "--ro-dir"));
        var policy = settings.Build(NoHostEnv, new StdinSource.None());
        Assert.Equal(new DirGrant(tmp.Path, "/data", ReadOnly: false), policy.Dirs[0]);
        Assert.Equal(new DirGrant(tmp.Path, tmp.Path, ReadOnly: true), policy.Dirs[1]);
    }

    [Fact]
    public void Build_RelativeDir_ResolvesAgainstItsBaseDirectory()
    {
        using var tmp = new TempDir();
        tmp.Dir("data");
        var settings = new PolicySettings();
        settings.Dirs.Add(Flag("data::/d", "--dir", baseDir: tmp.Path));
        Assert.Equal(Path.Combine(tmp.Path, "data"), settings.Build(NoHostEnv, new StdinSource.None()).Dirs[0].HostPath);
    }

    [Theory]
    [InlineData("/definitely/not/here")]
    [InlineData("::/guest")]
    [InlineData("")]
    public void Build_BadDir_IsRefusedWithTheFlagName(string spec)
    {
        var settings = new PolicySettings();
        settings.Dirs.Add(Flag(spec, "--dir"));
        var e = Assert.Throws<PolicyException>(() => settings.Build(NoHostEnv, new StdinSource.None()));
        Assert.StartsWith("--dir", e.Message);
    }

    [Fact]
    public void Build_DirThatIsAFile_IsRefused()
    {
        using var tmp = new TempDir();
        var file = tmp.Write("f.txt", "x");
        var settings = new PolicySettings();
        settings.Dirs.Add(Flag(file, "--dir"));
        var e = Assert.Throws<PolicyException>(() => settings.Build(NoHostEnv, new StdinSource.None()));
        Assert.Contains("is a file", e.Message);
    }

    [Fact]
    public void Build_TwoGrantsOneGuestPath_IsRefused()
    {
        using var tmp = new TempDir();
        var settings = new PolicySettings();
        settings.Dirs.Add(Flag($"{tmp.Dir("a")}::/x", "--dir"));
        settings.RoDirs.Add(Flag($"{tmp.Dir("b")}::/x", "--ro-dir"));
        Assert.Throws<PolicyException>(() => settings.Build(NoHostEnv, new StdinSource.None()));
    }

    [Theory]
    [InlineData("max-memory", "0")]
    [InlineData("max-memory", "lots")]
    [InlineData("fuel", "0")]
    [InlineData("fuel", "-5")]
    [InlineData("fuel", "1e6")]
    [InlineData("timeout", "5")]
    [InlineData("stdin", "/no/such/file")]
    [InlineData("isolation", "vm")]
    [InlineData("cpu-time", "2")]
    [InlineData("cpus", "50%")]
    [InlineData("cpus", "0")]
    [InlineData("cpus", "-1")]
    [InlineData("cpus", "1/2")]
    public void Build_BadScalar_IsRefusedNamingTheSetting(string key, string value)
    {
        var settings = new PolicySettings();
        var text = Flag(value, "--" + key);
        switch (key)
        {
            case "max-memory": settings.MaxMemory = text; break;
            case "fuel": settings.Fuel = text; break;
            case "timeout": settings.Timeout = text; break;
            case "stdin": settings.Stdin = text; break;
            case "isolation": settings.Isolation = text; break;
            case "cpu-time": settings.CpuTime = text; break;
            case "cpus": settings.Cpus = text; break;
        }
        var e = Assert.Throws<PolicyException>(() => settings.Build(NoHostEnv, new StdinSource.None()));
        Assert.StartsWith("--" + key, e.Message);
    }

    [Fact]
    public void OverlaidWith_FlagsReplaceScalarsAndExtendLists()
    {
        using var tmp = new TempDir();
        var file = new PolicySettings { MaxMemory = Flag("1MiB", "file"), Fuel = Flag("10", "file") };
        file.Env.Add(Flag("A=file", "file"));
        file.Env.Add(Flag("B=file", "file"));
        file.Dirs.Add(Flag($"{tmp.Dir("a")}::/a", "file"));
        var flags = new PolicySettings { MaxMemory = Flag("2MiB", "--max-memory") };
        flags.Env.Add(Flag("A=flag", "--env"));
        flags.Dirs.Add(Flag($"{tmp.Dir("b")}::/b", "--dir"));

        var policy = file.OverlaidWith(flags).Build(NoHostEnv, new StdinSource.None());

        Assert.Equal(2L << 20, policy.Limits.MaxMemoryBytes);
        Assert.Equal(10UL, policy.Limits.Fuel);
        Assert.Equal([new("A", "flag"), new KeyValuePair<string, string>("B", "file")], policy.Env);
        Assert.Equal(["/a", "/b"], policy.Dirs.Select(d => d.GuestPath));
    }
}
