using BenchmarkDotNet.Attributes;
using Wasmbox.Core.Policy;
using Wasmbox.Wasi;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Host;
using Wasmbox.Wasi.Memory;
using Wasmbox.Wasi.State;

namespace Wasmbox.Benchmarks;

/// <summary>
/// <see cref="WasiHost"/> on plain pinned memory, no engine: what one call costs in our code alone.
/// fd_write: one 64-byte iovec to fd 1, stdout = <see cref="Stream.Null"/>. path_open + fd_close: an existing file in a
/// temp-dir grant (fd 3), opened read-only the way wasi-libc's <c>open(path, O_RDONLY)</c> asks. clock_time_get: monotonic.
/// </summary>
[MemoryDiagnoser]
public class EngineFreeBenchmarks
{
    private const uint IovecPtr = 0;      // ciovec { buf = DataPtr, buf_len = 64 }
    private const uint NwrittenPtr = 8;
    private const uint TimePtr = 16;
    private const uint OpenedFdPtr = 24;
    private const uint PathPtr = 32;      // "f"
    private const uint DataPtr = 64;      // 64 bytes
    private const int Preopen = 3;

    /// <summary>What wasi-libc asks for on <c>open(path, O_RDONLY)</c>: the file rights without the write ones.</summary>
    private const Rights ReadOnlyOpen = FileRights.RegularFileBase & ~(Rights.FdWrite | Rights.FdDatasync | Rights.FdAllocate | Rights.FdFilestatSetSize);

    private PinnedMemory _memory = null!;
    private WasiContext _context = null!;
    private WasiHost _host = null!;
    private string _dir = null!;

    [GlobalSetup]
    public void Setup()
    {
        _memory = new PinnedMemory(64 * 1024);
        var m = _memory.View();
        m.WriteU32(IovecPtr, DataPtr);
        m.WriteU32(IovecPtr + 4, 64);
        m.Slice(DataPtr, 64).Fill((byte)'x');
        m.WriteU8(PathPtr, (byte)'f');

        _dir = Directory.CreateTempSubdirectory("wasmbox-bench-").FullName;
        File.WriteAllBytes(Path.Combine(_dir, "f"), new byte[64]);
        _context = new WasiContext(new WasiOptions
        {
            Argv = ["bench"],
            Stdout = Stream.Null,
            Preopens = [new DirGrant(_dir, "/d", ReadOnly: false)],
        });
        _host = new WasiHost(_context);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _context.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Description = "fd_write 64 B -> Stream.Null")]
    public Errno FdWrite64() => _host.FdWrite(_memory.View(), 1, IovecPtr, 1, NwrittenPtr);

    [Benchmark(Description = "path_open(existing, O_RDONLY) + fd_close")]
    public Errno PathOpenFdClose()
    {
        var m = _memory.View();
        var errno = _host.PathOpen(m, Preopen, (uint)Lookupflags.SymlinkFollow, PathPtr, 1, 0, (ulong)ReadOnlyOpen, 0, 0, OpenedFdPtr);
        if (errno != Errno.Success) throw new InvalidOperationException($"path_open: {errno}");
        return _host.FdClose(m, (int)m.ReadU32(OpenedFdPtr));
    }

    [Benchmark(Description = "clock_time_get(monotonic)")]
    public Errno ClockTimeGetMonotonic() => _host.ClockTimeGet(_memory.View(), (uint)Clockid.Monotonic, 0, TimePtr);
}
