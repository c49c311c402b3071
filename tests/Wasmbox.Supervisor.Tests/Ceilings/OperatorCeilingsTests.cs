using Wasmbox.Core.Policy;
using Wasmbox.Supervisor.Ceilings;

namespace Wasmbox.Supervisor.Tests.Ceilings;

public sealed class OperatorCeilingsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static SandboxPolicy WithLimits(SandboxLimits limits) => SandboxPolicy.DenyAll with { Limits = limits };

    private static SandboxPolicy Granting(string hostPath, bool readOnly = false) =>
        SandboxPolicy.DenyAll with { Dirs = [new DirGrant(hostPath, "/data", readOnly)] };

    [Fact]
    public void Check_MemoryAboveCeiling_NamesTheValueAndTheCeiling()
    {
        var ceilings = new OperatorCeilings { MaxMemoryBytes = 256L << 20 };

        var v = ceilings.Check(WithLimits(new SandboxLimits(1L << 30, null, null)));

        Assert.Equal(new CeilingViolation("--max-memory", "--max-memory 1GiB is above the operator's ceiling of 256MiB"), v);
        Assert.Null(ceilings.Check(WithLimits(new SandboxLimits(256L << 20, null, null))));
    }

    [Fact]
    public void Check_NoTimeoutUnderATimeoutCeiling_RefusedAsRequired()
    {
        var ceilings = new OperatorCeilings { MaxTimeout = TimeSpan.FromSeconds(60) };

        Assert.Equal("--timeout is required: the operator allows at most 60s", ceilings.Check(SandboxPolicy.DenyAll)?.Message);
        Assert.Equal("--timeout 61s is above the operator's ceiling of 60s",
            ceilings.Check(WithLimits(new SandboxLimits(null, null, TimeSpan.FromSeconds(61))))?.Message);
        Assert.Null(ceilings.Check(WithLimits(new SandboxLimits(null, null, TimeSpan.FromSeconds(60)))));
    }

    [Fact]
    public void Check_CpusAboveCeiling_Refused()
    {
        var ceilings = new OperatorCeilings { MaxCpus = 1 };

        Assert.Equal("--cpus 1.5 is above the operator's ceiling of 1",
            ceilings.Check(WithLimits(SandboxLimits.None with { Cpus = 1.5 }))?.Message);
        Assert.Null(ceilings.Check(WithLimits(SandboxLimits.None with { Cpus = 0.5 })));
    }

    [Fact]
    public void Check_OpenFilesAboveCeiling_Refused()
    {
        var ceilings = new OperatorCeilings { MaxOpenFiles = 64 };

        Assert.Equal("--max-open-files", ceilings.Check(WithLimits(SandboxLimits.None with { MaxOpenFiles = 65 }))?.Ceiling);
        Assert.Equal("--max-open-files", ceilings.Check(SandboxPolicy.DenyAll)?.Ceiling);
        Assert.Null(ceilings.Check(WithLimits(SandboxLimits.None with { MaxOpenFiles = 64 })));
    }

    [Fact]
    public void Check_FuelCpuTimeAndDiskWriteAboveOrWithoutTheirCeilings_Refused()
    {
        var ceilings = new OperatorCeilings { MaxFuel = 1_000_000, MaxCpuTime = TimeSpan.FromSeconds(2), MaxDiskWriteBytes = 1L << 20 };
        var within = SandboxLimits.None with { Fuel = 1_000_000, CpuTime = TimeSpan.FromSeconds(2), MaxDiskWriteBytes = 1L << 20 };

        Assert.Equal("--fuel 1000001 is above the operator's ceiling of 1000000",
            ceilings.Check(WithLimits(within with { Fuel = 1_000_001 }))?.Message);
        Assert.Equal("--cpu-time 3s is above the operator's ceiling of 2s",
            ceilings.Check(WithLimits(within with { CpuTime = TimeSpan.FromSeconds(3) }))?.Message);
        Assert.Equal("--max-disk-write 2MiB is above the operator's ceiling of 1MiB",
            ceilings.Check(WithLimits(within with { MaxDiskWriteBytes = 2L << 20 }))?.Message);
        Assert.Equal("--fuel", ceilings.Check(WithLimits(within with { Fuel = null }))?.Ceiling);
        Assert.Equal("--cpu-time", ceilings.Check(WithLimits(within with { CpuTime = null }))?.Ceiling);
        Assert.Equal("--max-disk-write", ceilings.Check(WithLimits(within with { MaxDiskWriteBytes = null }))?.Ceiling);
        Assert.Null(ceilings.Check(WithLimits(within)));
    }

    [Fact]
    public void Check_Listen_RefusedUnlessTheOperatorAllowsIt()
    {
        var listening = SandboxPolicy.DenyAll with { Listen = ["127.0.0.1:0"] };

        var v = OperatorCeilings.Default.Check(listening);

        Assert.Equal("--allow-listen", v?.Ceiling);
        Assert.Contains("--listen 127.0.0.1:0", v?.Message);
        Assert.Null((OperatorCeilings.Default with { AllowListen = true }).Check(listening));
    }

    [Fact]
    public void Check_OutputAboveCeiling_Refused()
    {
        var ceilings = new OperatorCeilings { MaxOutputBytes = 1L << 20 };

        Assert.Equal("--max-output 2MiB is above the operator's ceiling of 1MiB",
            ceilings.Check(WithLimits(SandboxLimits.None with { MaxOutputBytes = 2L << 20 }))?.Message);
        Assert.Null(ceilings.Check(WithLimits(SandboxLimits.None with { MaxOutputBytes = 1L << 20 })));
    }

    [Fact]
    public void Check_TierNone_RefusedByDefaultAllowedWhenListed()
    {
        var none = SandboxPolicy.DenyAll with { Isolation = IsolationTier.None };

        Assert.Equal("--isolation none is not allowed by the operator (allowed: jail)", OperatorCeilings.Default.Check(none)?.Message);
        Assert.Equal("--isolation", OperatorCeilings.Default.Check(SandboxPolicy.DenyAll with { Isolation = IsolationTier.Process })?.Ceiling);
        Assert.Null(OperatorCeilings.Default.Check(SandboxPolicy.DenyAll));
        Assert.Null(new OperatorCeilings { AllowedTiers = new HashSet<IsolationTier> { IsolationTier.None } }.Check(none));
    }

    [Fact]
    public void Check_NoAllowedRoots_EveryGrantRefused()
    {
        var data = _dir.Dir("data");

        Assert.Equal("--allow-grant", OperatorCeilings.Default.Check(Granting(data))?.Ceiling);
        Assert.Equal("--allow-grant", OperatorCeilings.Default.Check(Granting("/", readOnly: true))?.Ceiling);
    }

    [Fact]
    public void Check_GrantBeneathARoot_AllowedAndResolvedToTheRealPath()
    {
        var root = _dir.Dir("root");
        var inner = _dir.Dir("root/inner");
        Directory.CreateSymbolicLink(_dir.File("root/alias"), inner);
        var ceilings = new OperatorCeilings { AllowedGrantRoots = [root] };

        Assert.Null(ceilings.Check(Granting(root), out _));
        Assert.Null(ceilings.Check(Granting(_dir.File("root/alias")), out var resolved));
        Assert.Equal(OperatorCeilings.RealPath(inner), resolved.Dirs[0].HostPath);
    }

    [Fact]
    public void Check_SymlinkOutOfTheRoot_Refused()
    {
        var root = _dir.Dir("root");
        var outside = _dir.Dir("outside");
        Directory.CreateSymbolicLink(_dir.File("root/escape"), outside);
        var ceilings = new OperatorCeilings { AllowedGrantRoots = [root] };

        var v = ceilings.Check(Granting(_dir.File("root/escape")));

        Assert.Equal("--allow-grant", v?.Ceiling);
        Assert.Contains(OperatorCeilings.RealPath(outside)!, v!.Message);
    }

    [Fact]
    public void Check_DotDotOutOfTheRoot_Refused()
    {
        var root = _dir.Dir("root");
        _dir.Dir("outside");
        var ceilings = new OperatorCeilings { AllowedGrantRoots = [root] };

        Assert.Equal("--allow-grant", ceilings.Check(Granting(root + "/../outside"))?.Ceiling);
    }

    [Fact]
    public void Check_DotDotAfterASymlink_FollowsTheKernelNotTheText()
    {
        // Textually root/link/.. is root; the kernel resolves link first, so it is outside/deep/.. = outside.
        var root = _dir.Dir("root");
        var deep = _dir.Dir("outside/deep");
        Directory.CreateSymbolicLink(_dir.File("root/link"), deep);
        var ceilings = new OperatorCeilings { AllowedGrantRoots = [root] };

        var v = ceilings.Check(Granting(_dir.File("root/link") + "/.."));

        Assert.Equal("--allow-grant", v?.Ceiling);
        Assert.Contains(OperatorCeilings.RealPath(_dir.File("outside"))!, v!.Message);
    }

    [Fact]
    public void Check_SiblingWithTheRootAsPrefix_Refused()
    {
        var root = _dir.Dir("data");
        var sibling = _dir.Dir("data2");
        var ceilings = new OperatorCeilings { AllowedGrantRoots = [root] };

        Assert.Equal("--allow-grant", ceilings.Check(Granting(sibling))?.Ceiling);
    }

    [Fact]
    public void Check_RootItselfASymlink_GrantsBeneathItsTargetAllowed()
    {
        var target = _dir.Dir("real-root");
        _dir.Dir("real-root/sub");
        Directory.CreateSymbolicLink(_dir.File("root-link"), target);
        var ceilings = new OperatorCeilings { AllowedGrantRoots = [_dir.File("root-link")] };

        Assert.Null(ceilings.Check(Granting(_dir.File("real-root/sub"))));
    }

    [Fact]
    public void Check_MissingGrantDirectory_Refused()
    {
        var root = _dir.Dir("root");
        var ceilings = new OperatorCeilings { AllowedGrantRoots = [root] };

        Assert.Contains("no such directory", ceilings.Check(Granting(_dir.File("root/missing")))?.Message);
    }

    [Fact]
    public void Check_StdinFileOutsideTheRoots_Refused()
    {
        var root = _dir.Dir("root");
        var inside = _dir.Write("root/in.txt", "x");
        var outside = _dir.Write("secret.txt", "x");
        var ceilings = new OperatorCeilings { AllowedGrantRoots = [root] };

        Assert.Equal("--allow-grant", ceilings.Check(SandboxPolicy.DenyAll with { Stdin = new StdinSource.FromFile(outside) })?.Ceiling);
        Assert.Null(ceilings.Check(SandboxPolicy.DenyAll with { Stdin = new StdinSource.FromFile(inside) }));
    }
}
