using Wasmbox.Core.Outcomes;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Tests.State;

/// <summary>The audit trail of one run is bounded: a guest retrying a refused call in a loop grows neither memory nor the database.</summary>
public class RefusalLogTests
{
    [Fact]
    public void Add_KeepsTheFirst256_CountsThemAll_SplitsCallAndReason()
    {
        var log = new RefusalLog();
        for (var i = 0; i < 300; i++) log.Add($"path_open: '/etc/f{i}' leads outside its directory", Errno.Notcapable);
        log.Add("absolute path '/x'", Errno.Notcapable);

        var audit = log.Snapshot();
        Assert.Equal(301, audit.Total);
        Assert.Equal(RefusalAudit.MaxKept, audit.Kept.Count);
        Assert.Equal(301 - RefusalAudit.MaxKept, audit.Dropped);
        Assert.Equal(new Refusal("path_open", "'/etc/f0' leads outside its directory", "notcapable"), audit.Kept[0]);
    }
}
