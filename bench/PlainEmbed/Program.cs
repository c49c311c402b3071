// plainembed [--cache-dir DIR] [--dir HOST::GUEST]... [--epoch [--epoch-tick MS]] MODULE [ARGS...]
//
// What a plain Wasmtime embedding does, and nothing more: a default Engine, the module deserialized from a precompiled
// artifact in its own cache dir (compiled and serialized on the first run), Wasmtime's WASI on a Linker, inherited
// stdout/stderr, the guest's args, instantiate, call _start, exit with the WASI exit code. It is the peer of
// `wasmbox run` in bench/run-e2e.sh. The artifact is named by the SHA-256 of the module bytes, so a changed module
// never loads a stale artifact; there are no other checks (no trailer, no integrity hash of the artifact).
//
// Diagnostic knobs, off by default (the benchmark's "plainembed" contender uses none of them):
//   --epoch          compile with epoch interruption and set a deadline that never comes: the cost of the checks alone
//   --epoch-tick MS  also advance the epoch every MS ms from a background thread, with a deadline callback that asks
//                    for one more tick each time (what `wasmbox run --timeout` does): the cost of the checks + ticking
//   --bare-fd-write  replace Wasmtime's fd_write with the least a .NET host function can do through this binding: the
//                    guest memory fetched as Wasmbox fetches it, the iovecs read, one write(2) per buffer on the
//                    descriptor number, nwritten stored; no rights, quota or descriptor table (issue 9's per-call floor)
using System.Security.Cryptography;
using Wasmtime;

var cacheDir = Environment.GetEnvironmentVariable("PLAINEMBED_CACHE")
    ?? Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
        ? xdg
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "plainembed");
var dirs = new List<(string Host, string Guest)>();
var epoch = false;
int? epochTickMs = null;
var bareFdWrite = false;
var i = 0;
for (; i < args.Length; i++)
{
    if (args[i] == "--cache-dir" && i + 1 < args.Length) cacheDir = args[++i];
    else if (args[i] == "--dir" && i + 1 < args.Length)
    {
        var spec = args[++i];
        var sep = spec.IndexOf("::", StringComparison.Ordinal);
        dirs.Add(sep < 0 ? (spec, spec) : (spec[..sep], spec[(sep + 2)..]));
    }
    else if (args[i] == "--epoch") epoch = true;
    else if (args[i] == "--bare-fd-write") bareFdWrite = true;
    else if (args[i] == "--epoch-tick" && i + 1 < args.Length) { epoch = true; epochTickMs = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); }
    else break;
}
if (i >= args.Length)
{
    Console.Error.WriteLine("usage: plainembed [--cache-dir DIR] [--dir HOST::GUEST]... MODULE [ARGS...]");
    return 2;
}
var modulePath = args[i];
var guestArgs = args[i..]; // argv[0] is the module path as given, like `wasmbox run`

using var engine = epoch ? new Engine(new Config().WithEpochInterruption(true)) : new Engine();
var bytes = File.ReadAllBytes(modulePath);
var artifact = Path.Combine(cacheDir, Convert.ToHexStringLower(SHA256.HashData(bytes)) + (epoch ? ".epoch" : "") + ".cwasm");
Module module;
if (File.Exists(artifact))
{
    module = Module.DeserializeFile(engine, Path.GetFileName(modulePath), artifact);
}
else
{
    module = Module.FromBytes(engine, Path.GetFileName(modulePath), bytes);
    Directory.CreateDirectory(cacheDir);
    var temp = $"{artifact}.{Environment.ProcessId}.tmp";
    File.WriteAllBytes(temp, module.Serialize());
    File.Move(temp, artifact, overwrite: true);
}

using (module)
{
    using var linker = new Linker(engine);
    linker.DefineWasi();
    if (bareFdWrite)
    {
        linker.AllowShadowing = true;
        BareFdWrite.Define(linker);
    }
    using var store = new Store(engine);
    var wasi = new WasiConfiguration()
        .WithArgs(guestArgs)
        .WithInheritedStandardInput()
        .WithInheritedStandardOutput()
        .WithInheritedStandardError();
    foreach (var (host, guest) in dirs) wasi.WithPreopenedDirectory(host, guest, mutable: true);
    store.SetWasiConfiguration(wasi);
    if (epoch && epochTickMs is null) store.SetEpochDeadline(ulong.MaxValue / 2);
    if (epochTickMs is { } tick)
    {
        store.SetEpochDeadline(1);
        store.SetEpochDeadlineCallback(_ => 1);
        var ticker = new Thread(() => { while (true) { Thread.Sleep(tick); engine.IncrementEpoch(); } }) { IsBackground = true };
        ticker.Start();
    }
    try
    {
        var instance = linker.Instantiate(store, module);
        var start = instance.GetAction("_start");
        if (start is null)
        {
            Console.Error.WriteLine($"plainembed: {modulePath} exports no _start");
            return 125;
        }
        start();
        return 0;
    }
    catch (WasmtimeException e) when (e.ExitCode is { } code)
    {
        return code;
    }
    catch (WasmtimeException e)
    {
        Console.Error.WriteLine($"plainembed: {e.Message.Split('\n')[0]}");
        return 134;
    }
}

/// <summary>See <c>--bare-fd-write</c> at the top of this file.</summary>
internal static unsafe partial class BareFdWrite
{
    private static Memory? s_memory;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte* buffer, nuint count);

    public static void Define(Linker linker) =>
        linker.DefineFunction("wasi_snapshot_preview1", "fd_write", (Caller caller, int fd, int iovs, int iovsLen, int nwrittenPtr) =>
        {
            s_memory ??= caller.GetMemory("memory");
            var data = (byte*)s_memory!.GetPointer();
            var length = (ulong)s_memory.GetLength();
            if ((ulong)(uint)iovs + (ulong)(uint)iovsLen * 8 > length || (ulong)(uint)nwrittenPtr + 4 > length) throw new InvalidOperationException("out of bounds");
            uint total = 0;
            for (var k = 0; k < iovsLen; k++)
            {
                var buf = *(uint*)(data + (uint)iovs + k * 8);
                var len = *(uint*)(data + (uint)iovs + k * 8 + 4);
                if ((ulong)buf + len > length) throw new InvalidOperationException("out of bounds");
                var n = Write(fd, data + buf, len);
                if (n < 0) return 29; // EIO: a floor, not a host
                total += (uint)n;
            }
            *(uint*)(data + (uint)nwrittenPtr) = total;
            return 0;
        });
}
