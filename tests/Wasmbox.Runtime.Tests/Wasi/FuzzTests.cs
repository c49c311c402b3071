using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Wasmbox.Core.Policy;
using Wasmbox.Wasi;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Host;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Runtime.Tests.Wasi;

/// <summary>
/// Every import of <see cref="WasiHost"/> called directly (no engine) with seeded random arguments for a fixed budget.
/// The host may only answer with an errno, or throw <see cref="WasiTrap"/> (bad pointer) / <see cref="WasiProcExit"/>;
/// any other exception, or a single call taking seconds, fails. Afterwards nothing outside the read-write grant has
/// changed: the read-only grant (files, a subfolder, a symlink to the outside) and the "outside" folder itself.
/// </summary>
/// <remarks>The generator is biased to reach deep: open fds most of the time, pointers inside memory most of the time,
/// short paths (plain, with <c>..</c>, through the symlinks, absolute, invalid UTF-8, with NUL) written into memory with
/// their lengths, small valid flags most of the time. Deterministic mode keeps poll_oneoff from really sleeping.
/// Set WASMBOX_FUZZ_SEED to replay or explore another seed, WASMBOX_FUZZ_LOG=1 to print every call and its errno.</remarks>
public class FuzzTests
{
    private const int MemorySize = 64 * 1024;
    private const int CallsPerSeed = 25_000;

    public static TheoryData<int> Seeds()
    {
        var fromEnv = Environment.GetEnvironmentVariable("WASMBOX_FUZZ_SEED");
        return fromEnv is null ? new TheoryData<int>(1, 20240517) : new TheoryData<int>(int.Parse(fromEnv, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomCalls_OnlyErrnosOrTraps_NothingOutsideRwChanges(int seed)
    {
        using var tmp = new TempDir("wasmbox-fuzz");
        var rw = tmp.Dir("rw");
        var ro = tmp.Dir("ro");
        var outside = tmp.Dir("outside");
        File.WriteAllText(Path.Combine(ro, "in.txt"), "read-only data\n");
        File.WriteAllText(Path.Combine(ro, "f"), "f");
        Directory.CreateDirectory(Path.Combine(ro, "sub"));
        File.WriteAllText(Path.Combine(ro, "sub", "f.txt"), "sub file");
        File.CreateSymbolicLink(Path.Combine(ro, "out"), "../outside/secret.txt");
        File.CreateSymbolicLink(Path.Combine(ro, "link"), "in.txt");
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "outside the grants\n");
        Directory.CreateDirectory(Path.Combine(outside, "d"));
        File.WriteAllText(Path.Combine(rw, "in.txt"), "rw data");
        File.WriteAllText(Path.Combine(rw, "f"), "f");
        Directory.CreateDirectory(Path.Combine(rw, "sub"));
        File.WriteAllText(Path.Combine(rw, "sub", "f.txt"), "sub file");
        Directory.CreateDirectory(Path.Combine(rw, "d"));
        File.CreateSymbolicLink(Path.Combine(rw, "esc"), "../outside");
        File.CreateSymbolicLink(Path.Combine(rw, "escf"), "../outside/secret.txt");
        var before = Outside(tmp.Path);

        var options = new WasiOptions
        {
            Argv = ["fuzz", "arg"],
            Env = [new("A", "1")],
            Preopens = [new DirGrant(rw, "/rw", ReadOnly: false), new DirGrant(ro, "/ro", ReadOnly: true)],
            Stdin = new MemoryStream(Encoding.UTF8.GetBytes("stdin data\n")),
            Stdout = Stream.Null,
            Stderr = Stream.Null,
            DeterministicSeed = (ulong)seed,
            MaxOpenFiles = 48,
            MaxDiskWriteBytes = 4 << 20,
            MaxOutputBytes = 1 << 20,
        };
        var memory = new PinnedMemory(MemorySize);
        var random = new Random(seed);
        random.NextBytes(memory.Bytes);
        var fuzz = new Fuzzer(random, memory);
        var counts = new Dictionary<string, int>();
        var successes = new Dictionary<string, int>();

        // The calls run on their own thread so that a call that blocks fails the test (with its arguments) instead of
        // hanging the suite; the watchdog below gives each call 5 s.
        string? failure = null;
        var current = (Name: "", Index: -1, Started: 0L);
        var worker = new Thread(() =>
        {
            using var context = new WasiContext(options);
            var host = new WasiHost(context);
            var calls = fuzz.Calls(host);
            for (var i = 0; i < CallsPerSeed && failure is null; i++)
            {
                var (name, call) = calls[random.Next(calls.Count)];
                fuzz.Described.Clear();
                Volatile.Write(ref current.Started, Stopwatch.GetTimestamp());
                current.Name = name;
                current.Index = i;
                try
                {
                    var errno = call(memory.View());
                    if (errno == Errno.Success) successes[name] = successes.GetValueOrDefault(name) + 1;
                    if (Environment.GetEnvironmentVariable("WASMBOX_FUZZ_LOG") is not null) Console.Error.WriteLine($"{name}({fuzz.Described}) = {errno.Name()}");
                }
                catch (WasiTrap) { }
                catch (WasiProcExit) { }
                catch (Exception e)
                {
                    failure = $"seed {seed}, call #{i}: {name}({fuzz.Described}) threw {e}";
                }
                Volatile.Write(ref current.Started, 0L);
                counts[name] = counts.GetValueOrDefault(name) + 1;
                if (i % 500 == 0) random.NextBytes(memory.Bytes.AsSpan(0, 4096)); // stir the scratch area
            }
        }) { IsBackground = true };
        worker.Start();
        while (!worker.Join(50))
        {
            var started = Volatile.Read(ref current.Started);
            if (started != 0 && Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(5))
            {
                Assert.Fail($"seed {seed}, call #{current.Index}: {current.Name}({fuzz.Described}) has not returned after 5 s");
            }
        }
        Assert.True(failure is null, failure);

        Assert.Equal(WasiNames.All.Order(StringComparer.Ordinal), counts.Keys.Order(StringComparer.Ordinal));
        // The generator must reach past argument checks: these calls succeed only with an open fd, a good path and
        // pointers inside memory, so a generator that stopped reaching deep fails here.
        var report = string.Join(", ", successes.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"));
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed} successes: {report}");
        foreach (var deep in new[] { WasiNames.PathOpen, WasiNames.FdWrite, WasiNames.FdReaddir, WasiNames.PathCreateDirectory,
                     WasiNames.PathFilestatGet, WasiNames.PathUnlinkFile, WasiNames.PathSymlink, WasiNames.PollOneoff })
        {
            Assert.True(successes.GetValueOrDefault(deep) >= 1, $"seed {seed}: {deep} succeeded {successes.GetValueOrDefault(deep)} times; successes: {report}");
        }
        var diff = Outside(tmp.Path).DiffFrom(before);
        Assert.True(diff.Count == 0, $"seed {seed}: changed outside /rw:\n{string.Join("\n", diff)}");
    }

    private static HostSnapshot Outside(string root) =>
        new(HostSnapshot.Of(root).Entries
            .Where(e => e.Key != "rw" && !e.Key.StartsWith("rw" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value));

    /// <summary>Draws biased arguments and writes the structures they point at into memory.</summary>
    private sealed class Fuzzer(Random random, PinnedMemory memory)
    {
        private static readonly byte[][] PathPool =
        [
            .. new[]
            {
                "a", "b", "d", "d/x", "f", "in.txt", "link", "out", "esc", "escf", "esc/secret.txt", "escf/x", "sub",
                "sub/f.txt", "sub/..", "../x", "dir/../f", "a/../../x", ".", "..", "../ro/in.txt", "../outside/secret.txt",
                "/etc/passwd", "/", "", "d/../../ro/f", "esc/d", "esc/new.txt", "a/b/c", "out/..",
            }.Select(Encoding.UTF8.GetBytes),
            [0x61, 0xff, 0x62], [0x61, 0x00, 0x62], [0xed, 0xa0, 0x80],
        ];

        public StringBuilder Described { get; } = new();

        private T Note<T>(T value)
        {
            if (Described.Length > 0) Described.Append(", ");
            Described.Append(value);
            return value;
        }

        private bool Chance(int percent) => random.Next(100) < percent;

        /// <summary>stdout, the grants (3, 4) and every fd path_open handed out: most calls get one of these.</summary>
        private readonly List<int> _live = [1, 3, 4];

        public int Fd() => Note(Chance(75) ? _live[random.Next(_live.Count)]
            : Chance(60) ? random.Next(0, 14) : Chance(50) ? random.Next() : -random.Next(1, 5));

        /// <summary>For fd_close and fd_renumber: an fd path_open handed out mostly, stdio rarely, never the grants (3, 4),
        /// so that the other calls keep reaching the file system (closing a grant is a unit test of its own).</summary>
        public int Victim() => Note(_live.Count > 3 && Chance(90) ? _live[random.Next(3, _live.Count)] : Chance(3) ? random.Next(0, 3) : random.Next(5, 40));

        private Errno Closed(Errno errno, int fd)
        {
            if (errno == Errno.Success && fd > 4) _live.Remove(fd);
            return errno;
        }

        private Errno Opened(Errno errno, uint openedPtr)
        {
            if (errno == Errno.Success) _live.Add(BinaryPrimitives.ReadInt32LittleEndian(memory.Bytes.AsSpan((int)openedPtr)));
            return errno;
        }

        /// <summary>oflags: none or creat mostly, any combination of the four sometimes, junk rarely.</summary>
        private uint Oflags() => Note(Chance(70) ? (Chance(50) ? 0u : 1u) : Chance(85) ? (uint)random.Next(0, 16) : (uint)random.Next());

        /// <summary>A pointer for an out-param or buffer: aligned and inside memory mostly.</summary>
        public uint Ptr(uint size = 8) => Note(Chance(96)
            ? (uint)random.Next(4096, MemorySize - (int)Math.Min(size, 4096)) & ~7u
            : Chance(50) ? (uint)random.NextInt64(0, uint.MaxValue) : (uint)(MemorySize - random.Next(0, 8)));

        public uint Len(int small = 64) => Note(Chance(90) ? (uint)random.Next(0, small) : (uint)random.NextInt64(0, uint.MaxValue));

        public uint Flags(int validBits) => Note(Chance(92) ? (uint)random.Next(0, 1 << validBits) : (uint)random.NextInt64(0, uint.MaxValue));

        public ulong Rights() => Note(Chance(85) ? 0x1FFFFFFFul : Chance(50) ? (ulong)random.NextInt64() : (ulong)random.Next(0, 1 << 10));

        public ulong Offset() => Note(Chance(85) ? (ulong)random.Next(0, 8192) : (ulong)random.NextInt64() * (ulong)random.Next(1, 3));

        public long Delta() => Note(Chance(85) ? random.Next(-100, 8192) : random.NextInt64(long.MinValue, long.MaxValue));

        public ulong Time() => Note(Chance(80) ? (ulong)random.NextInt64(0, 2_000_000_000_000_000_000) : (ulong)random.NextInt64() * 2);

        /// <summary>A path from the pool written into the path area; returns its pointer and (mostly exact) length.</summary>
        public (uint Ptr, uint Len) Path()
        {
            var bytes = PathPool[random.Next(PathPool.Length)];
            var ptr = (uint)random.Next(0, 2048);
            bytes.CopyTo(memory.Bytes.AsSpan((int)ptr));
            var len = Chance(95) ? (uint)bytes.Length : Chance(50) ? (uint)random.Next(0, 8) : (uint)random.NextInt64(0, uint.MaxValue);
            if (Chance(2)) ptr = (uint)random.NextInt64(MemorySize - 4, uint.MaxValue);
            Note($"\"{Encoding.UTF8.GetString(bytes)}\"@{ptr}/{len}");
            return (ptr, len);
        }

        /// <summary>An iovec array of 0–3 entries, each pointing at a buffer inside memory mostly.</summary>
        public (uint Ptr, uint Count) Iovs()
        {
            var count = Chance(90) ? (uint)random.Next(0, 4) : (uint)random.NextInt64(0, uint.MaxValue);
            var ptr = (uint)random.Next(2048, 3072) & ~3u;
            for (var i = 0; i < Math.Min(count, 4u); i++)
            {
                var buf = (uint)random.Next(8192, MemorySize - 512);
                var len = Chance(90) ? (uint)random.Next(0, 256) : (uint)random.NextInt64(0, uint.MaxValue);
                BinaryPrimitives.WriteUInt32LittleEndian(memory.Bytes.AsSpan((int)ptr + i * 8), buf);
                BinaryPrimitives.WriteUInt32LittleEndian(memory.Bytes.AsSpan((int)ptr + i * 8 + 4), len);
            }
            if (Chance(3)) ptr = (uint)random.NextInt64(0, uint.MaxValue);
            Note($"iovs@{ptr}x{count}");
            return (ptr, count);
        }

        /// <summary>poll_oneoff subscriptions (48 bytes each): clocks with short timeouts, fd reads/writes on small fds.</summary>
        public (uint Ptr, uint Count) Subscriptions()
        {
            var count = Chance(90) ? (uint)random.Next(0, 4) : (uint)random.NextInt64(0, 100_000);
            var ptr = (uint)random.Next(3072, 3584) & ~7u;
            for (var i = 0; i < Math.Min(count, 4u); i++)
            {
                var s = memory.Bytes.AsSpan((int)ptr + i * 48, 48);
                random.NextBytes(s);
                s[8] = (byte)(Chance(90) ? random.Next(0, 3) : random.Next(256));
                if (s[8] == 0)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(s[16..], (uint)random.Next(0, 5));
                    BinaryPrimitives.WriteUInt64LittleEndian(s[24..], Chance(90) ? (ulong)random.Next(0, 1_000_000) : (ulong)random.NextInt64());
                    BinaryPrimitives.WriteUInt16LittleEndian(s[40..], (ushort)random.Next(0, 3));
                }
                else if (Chance(90))
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(s[16..], (uint)random.Next(0, 8));
                }
            }
            // An fd_read subscription on an output stream never becomes ready (Poller: "output descriptors are never
            // read-ready"), so a set holding a read also holds a short relative clock, as a guest that must not hang would.
            var hasRead = false;
            for (var i = 0; i < Math.Min(count, 4u); i++) hasRead |= memory.Bytes[(int)ptr + i * 48 + 8] == 1;
            if (hasRead)
            {
                var s = memory.Bytes.AsSpan((int)ptr, 48);
                s[8] = 0;
                BinaryPrimitives.WriteUInt32LittleEndian(s[16..], (uint)random.Next(0, 2));
                BinaryPrimitives.WriteUInt64LittleEndian(s[24..], (ulong)random.Next(0, 1_000_000));
                BinaryPrimitives.WriteUInt16LittleEndian(s[40..], 0);
            }
            if (Chance(3)) ptr = (uint)random.NextInt64(0, uint.MaxValue);
            Note($"subs@{ptr}x{count}");
            if (ptr + 48 * Math.Min(count, 4u) <= MemorySize)
                Note(Convert.ToHexString(memory.Bytes.AsSpan((int)ptr, 48 * (int)Math.Min(count, 4u))));
            return (ptr, count);
        }

        public IReadOnlyList<(string Name, Func<GuestMemory, Errno> Call)> Calls(WasiHost h) =>
        [
            (WasiNames.ArgsGet, m => h.ArgsGet(m, Ptr(), Ptr())),
            (WasiNames.ArgsSizesGet, m => h.ArgsSizesGet(m, Ptr(4), Ptr(4))),
            (WasiNames.EnvironGet, m => h.EnvironGet(m, Ptr(), Ptr())),
            (WasiNames.EnvironSizesGet, m => h.EnvironSizesGet(m, Ptr(4), Ptr(4))),
            (WasiNames.ClockResGet, m => h.ClockResGet(m, Flags(2), Ptr())),
            (WasiNames.ClockTimeGet, m => h.ClockTimeGet(m, Flags(2), Time(), Ptr())),
            (WasiNames.FdAdvise, m => h.FdAdvise(m, Fd(), Offset(), Offset(), Flags(3))),
            (WasiNames.FdAllocate, m => h.FdAllocate(m, Fd(), Offset(), Offset())),
            (WasiNames.FdClose, m => { var fd = Victim(); return Closed(h.FdClose(m, fd), fd); }),
            (WasiNames.FdDatasync, m => h.FdDatasync(m, Fd())),
            (WasiNames.FdFdstatGet, m => h.FdFdstatGet(m, Fd(), Ptr(24))),
            (WasiNames.FdFdstatSetFlags, m => h.FdFdstatSetFlags(m, Fd(), Flags(5))),
            (WasiNames.FdFdstatSetRights, m => h.FdFdstatSetRights(m, Fd(), Rights(), Rights())),
            (WasiNames.FdFilestatGet, m => h.FdFilestatGet(m, Fd(), Ptr(64))),
            (WasiNames.FdFilestatSetSize, m => h.FdFilestatSetSize(m, Fd(), Offset())),
            (WasiNames.FdFilestatSetTimes, m => h.FdFilestatSetTimes(m, Fd(), Time(), Time(), Flags(4))),
            (WasiNames.FdPread, m => { var (p, n) = Iovs(); return h.FdPread(m, Fd(), p, n, Offset(), Ptr(4)); }),
            (WasiNames.FdPrestatGet, m => h.FdPrestatGet(m, Fd(), Ptr())),
            (WasiNames.FdPrestatDirName, m => h.FdPrestatDirName(m, Fd(), Ptr(), Len(8))),
            (WasiNames.FdPwrite, m => { var (p, n) = Iovs(); return h.FdPwrite(m, Fd(), p, n, Offset(), Ptr(4)); }),
            (WasiNames.FdRead, m => { var (p, n) = Iovs(); return h.FdRead(m, Fd(), p, n, Ptr(4)); }),
            (WasiNames.FdReaddir, m => h.FdReaddir(m, Fd(), Ptr(512), Len(512), Chance(70) ? Note((ulong)random.Next(0, 8)) : Offset(), Ptr(4))),
            (WasiNames.FdRenumber, m => { var from = Victim(); return Closed(h.FdRenumber(m, from, Victim()), from); }),
            (WasiNames.FdSeek, m => h.FdSeek(m, Fd(), Delta(), Flags(2), Ptr())),
            (WasiNames.FdSync, m => h.FdSync(m, Fd())),
            (WasiNames.FdTell, m => h.FdTell(m, Fd(), Ptr())),
            (WasiNames.FdWrite, m => { var (p, n) = Iovs(); return h.FdWrite(m, Fd(), p, n, Ptr(4)); }),
            (WasiNames.PathCreateDirectory, m => { var fd = Fd(); var (p, n) = Path(); return h.PathCreateDirectory(m, fd, p, n); }),
            (WasiNames.PathFilestatGet, m => { var fd = Fd(); var (p, n) = Path(); return h.PathFilestatGet(m, fd, Flags(1), p, n, Ptr(64)); }),
            (WasiNames.PathFilestatSetTimes, m => { var fd = Fd(); var (p, n) = Path(); return h.PathFilestatSetTimes(m, fd, Flags(1), p, n, Time(), Time(), Flags(4)); }),
            (WasiNames.PathLink, m => { var fd = Fd(); var (p, n) = Path(); var fd2 = Fd(); var (q, k) = Path(); return h.PathLink(m, fd, Flags(1), p, n, fd2, q, k); }),
            (WasiNames.PathOpen, m => { var fd = Fd(); var (p, n) = Path(); var opened = Ptr(4); return Opened(h.PathOpen(m, fd, Flags(1), p, n, Oflags(), Rights(), Rights(), Chance(70) ? Note(0u) : Flags(5), opened), opened); }),
            (WasiNames.PathReadlink, m => { var fd = Fd(); var (p, n) = Path(); return h.PathReadlink(m, fd, p, n, Ptr(64), Len(64), Ptr(4)); }),
            (WasiNames.PathRemoveDirectory, m => { var fd = Fd(); var (p, n) = Path(); return h.PathRemoveDirectory(m, fd, p, n); }),
            (WasiNames.PathRename, m => { var fd = Fd(); var (p, n) = Path(); var fd2 = Fd(); var (q, k) = Path(); return h.PathRename(m, fd, p, n, fd2, q, k); }),
            (WasiNames.PathSymlink, m => { var (p, n) = Path(); var fd = Fd(); var (q, k) = Path(); return h.PathSymlink(m, p, n, fd, q, k); }),
            (WasiNames.PathUnlinkFile, m => { var fd = Fd(); var (p, n) = Path(); return h.PathUnlinkFile(m, fd, p, n); }),
            (WasiNames.PollOneoff, m => { var (p, n) = Subscriptions(); return h.PollOneoff(m, p, Ptr(4 * 32), n, Ptr(4)); }),
            (WasiNames.ProcExit, m => h.ProcExit(m, Len(256))),
            (WasiNames.ProcRaise, m => h.ProcRaise(m, Chance(50) ? Note((uint)random.Next(0, 40)) : Flags(6))),
            (WasiNames.RandomGet, m => h.RandomGet(m, Ptr(1024), Len(1024))),
            (WasiNames.SchedYield, m => h.SchedYield(m)),
            (WasiNames.SockAccept, m => h.SockAccept(m, Fd(), Flags(5), Ptr(4))),
            (WasiNames.SockRecv, m => { var (p, n) = Iovs(); return h.SockRecv(m, Fd(), p, n, Flags(2), Ptr(4), Ptr(2)); }),
            (WasiNames.SockSend, m => { var (p, n) = Iovs(); return h.SockSend(m, Fd(), p, n, Flags(1), Ptr(4)); }),
            (WasiNames.SockShutdown, m => h.SockShutdown(m, Fd(), Flags(2))),
        ];
    }
}
