using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi.Tests.State;

/// <summary>Which number a new descriptor gets: Wasmtime's preview1 order, not POSIX's lowest free number.</summary>
public class FdTableTests
{
    private static StreamFd Any() => new(null, writable: true, new Quotas(null, null));

    /// <summary>Stdio and one preopen, as a run starts: 0–3 taken.</summary>
    private static FdTable Started()
    {
        var table = new FdTable();
        for (var i = 0; i < 4; i++) Assert.Equal(Errno.Success, table.Add(Any(), out _));
        return table;
    }

    private static int Open(FdTable table)
    {
        Assert.Equal(Errno.Success, table.Add(Any(), out var number));
        return number;
    }

    [Fact]
    public void Add_NothingFreed_TakesTheNextFreshNumber()
    {
        using var table = Started();
        Assert.Equal([4, 5, 6], new[] { Open(table), Open(table), Open(table) });
    }

    [Fact]
    public void Add_AfterCloses_TakesTheHighestFreedFirst()
    {
        using var table = Started();
        Open(table); Open(table); Open(table); // 4, 5, 6
        Assert.Equal(Errno.Success, table.Close(4));
        Assert.Equal(Errno.Success, table.Close(6));

        Assert.Equal([6, 4, 7], new[] { Open(table), Open(table), Open(table) });
    }

    [Fact]
    public void Add_StdoutClosedAfterAnotherFile_TheNewFileIsNotFd1()
    {
        // The synthesis tool's pattern: a file closed, then stdout, then a new file opened. Lowest-first (POSIX, Node)
        // gives it fd 1, so the program's later "stdout" writes land in the file; Wasmtime gives it the other number.
        using var table = Started();
        var scratch = Open(table);
        Assert.Equal(Errno.Success, table.Close(scratch));
        Assert.Equal(Errno.Success, table.Close(1));

        Assert.Equal(scratch, Open(table));
        Assert.Equal(1, Open(table)); // and 1 only when it is the highest freed
    }

    [Fact]
    public void Renumber_TheSourceNumberIsFreed()
    {
        using var table = Started();
        var from = Open(table); // 4
        var to = Open(table);   // 5
        Assert.Equal(Errno.Success, table.Renumber(from, to));

        Assert.Equal(from, Open(table));
    }
}
