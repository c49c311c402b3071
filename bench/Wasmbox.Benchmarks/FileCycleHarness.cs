using System.Diagnostics;
using System.Text;
using Wasmbox.Core.Policy;
using Wasmbox.Wasi;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Host;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Benchmarks;

/// <summary>
/// A stopwatch harness for file_cycles.c's cycle, called on the host directly (no engine): the calls wasi-libc makes for
/// open(O_RDWR|O_CREAT|O_TRUNC), write 64 B, fstat, close, stat, open(O_RDONLY), read 64 B, close, unlink, each timed on
/// its own, so the per-call cost of the host's file path shows call by call.
/// </summary>
internal static class FileCycleHarness
{
    private const uint IovecPtr = 0, CountPtr = 8, FdPtr = 12, StatPtr = 64, PathPtr = 256, DataPtr = 1024;
    private const int Preopen = 3;

    public static void Run(int cycles, int reps, long? maxDisk)
    {
        var dir = Directory.CreateTempSubdirectory("wasmbox-cycles-").FullName;
        try
        {
            var memory = new PinnedMemory(65536);
            var context = new WasiContext(new WasiOptions
            {
                Argv = ["cycles"],
                Preopens = [new DirGrant(dir, "/d", ReadOnly: false)],
                MaxDiskWriteBytes = maxDisk,
            });
            var host = new WasiHost(context);
            var names = new[] { "path_open creat|trunc", "fd_write", "fd_filestat_get", "fd_close", "path_filestat_get", "path_open rdonly", "fd_read", "fd_close", "path_unlink_file" };
            var totals = new double[reps, names.Length];
            const Rights rw = (Rights)0x1FFFFFFF;
            for (var rep = -1; rep < reps; rep++)
            {
                var t = new long[names.Length];
                for (var i = 0; i < cycles; i++)
                {
                    var m = memory.View();
                    var name = Encoding.UTF8.GetBytes($"f{i}");
                    name.CopyTo(memory.Bytes, PathPtr);
                    m.WriteU32(IovecPtr, DataPtr);
                    m.WriteU32(IovecPtr + 4, 64);
                    var step = 0;
                    long started = Stopwatch.GetTimestamp();
                    void Lap(Errno errno)
                    {
                        if (errno != Errno.Success) throw new InvalidOperationException($"{names[step]}: {errno}");
                        var now = Stopwatch.GetTimestamp();
                        t[step++] += now - started;
                        started = now;
                    }
                    Lap(host.PathOpen(m, Preopen, 1, PathPtr, (uint)name.Length, (uint)(Oflags.Creat | Oflags.Trunc), (ulong)rw, (ulong)rw, 0, FdPtr));
                    var fd = (int)m.ReadU32(FdPtr);
                    Lap(host.FdWrite(m, fd, IovecPtr, 1, CountPtr));
                    Lap(host.FdFilestatGet(m, fd, StatPtr));
                    Lap(host.FdClose(m, fd));
                    Lap(host.PathFilestatGet(m, Preopen, 1, PathPtr, (uint)name.Length, StatPtr));
                    Lap(host.PathOpen(m, Preopen, 1, PathPtr, (uint)name.Length, 0, (ulong)(rw & ~Rights.FdWrite), (ulong)rw, 0, FdPtr));
                    fd = (int)m.ReadU32(FdPtr);
                    Lap(host.FdRead(m, fd, IovecPtr, 1, CountPtr));
                    Lap(host.FdClose(m, fd));
                    Lap(host.PathUnlinkFile(m, Preopen, PathPtr, (uint)name.Length));
                }
                if (rep >= 0)
                    for (var s = 0; s < names.Length; s++) totals[rep, s] = t[s] * 1e9 / Stopwatch.Frequency / cycles;
            }
            // path_open (existing file, read-only) + fd_close alone: no inode is created, so ext4's allocator plays no part.
            File.WriteAllBytes(Path.Combine(dir, "existing"), new byte[64]);
            "existing"u8.CopyTo(memory.Bytes.AsSpan((int)PathPtr));
            var openClose = new List<double>();
            for (var rep = -1; rep < reps; rep++)
            {
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < cycles; i++)
                {
                    var m = memory.View();
                    if (host.PathOpen(m, Preopen, 1, PathPtr, 8, 0, (ulong)(rw & ~Rights.FdWrite), (ulong)rw, 0, FdPtr) != Errno.Success) throw new InvalidOperationException("open existing");
                    host.FdClose(m, (int)m.ReadU32(FdPtr));
                }
                if (rep >= 0) openClose.Add(Stopwatch.GetElapsedTime(started).TotalNanoseconds / cycles);
            }
            openClose.Sort();
            Console.WriteLine($"{openClose[reps / 2],8:F0} ns  path_open rdonly + fd_close of an existing file (min {openClose[0]:F0})");
            double sum = 0;
            for (var s = 0; s < names.Length; s++)
            {
                var values = Enumerable.Range(0, reps).Select(r => totals[r, s]).Order().ToList();
                sum += values[reps / 2];
                Console.WriteLine($"{values[reps / 2],8:F0} ns  {names[s]}");
            }
            Console.WriteLine($"{sum,8:F0} ns  per cycle (sum of medians){(maxDisk is { } q ? $", --max-disk-write {q}" : "")}");
            context.Dispose();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
