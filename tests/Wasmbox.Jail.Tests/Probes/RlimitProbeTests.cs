using Wasmbox.Jail.Probes;

namespace Wasmbox.Jail.Tests.Probes;

public class RlimitProbeTests
{
    [Fact]
    public void Format_Infinity_IsUnlimited()
    {
        Assert.Equal("unlimited", RlimitProbe.Format(ulong.MaxValue));
        Assert.Equal("1024", RlimitProbe.Format(1024));
    }

    [Fact]
    public void Probe_ThisHost_ListsNofileFsizeCore()
    {
        LinuxOnly.Require();
        var s = RlimitProbe.Probe();
        Assert.True(s.Available);
        Assert.Matches(@"^soft/hard: NOFILE \d+/\S+, FSIZE \S+/\S+, CORE \S+/\S+$", s.Detail);
    }
}
