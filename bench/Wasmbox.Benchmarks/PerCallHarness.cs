using System.Diagnostics;
using System.Runtime.InteropServices;
using BindingFlags = System.Reflection.BindingFlags;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Wasi;
using Wasmbox.Wasi;
using Wasmbox.Wasi.Fs;
using Wasmbox.Wasi.Host;
using Wasmbox.Wasi.Memory;
using Wasmbox.Wasi.Tracing;
using Wasmtime;

namespace Wasmbox.Benchmarks;

/// <summary>
/// A stopwatch harness for the per-call cost of a 64-byte <c>fd_write</c> to /dev/null, with the syscall in it (which
/// BenchmarkDotNet's in-process rows cannot take apart from the rest): each row runs <c>N</c> calls, several times, and
/// prints the median nanoseconds per call. The rows peel the path apart: the bare syscall from .NET, our host without an
/// engine, a wasm guest whose host function only makes the syscall, and the whole of Wasmbox's host.
/// </summary>
internal static unsafe partial class PerCallHarness
{
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint RawWrite(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint RawWriteNoErrno(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetPpid();

    public static void Run(int n, int reps)
    {
        var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        var fd = (int)devNull.DangerousGetHandle();
        var rows = new List<(string Name, Func<int, int> Body)>();
        var data = new byte[64];
        rows.Add(("write(2) from C#, raw int fd", count =>
        {
            fixed (byte* p = data)
                for (var i = 0; i < count; i++) RawWrite(fd, p, 64);
            return 0;
        }));

        rows.Add(("write(2) from C#, no errno", count =>
        {
            fixed (byte* p = data)
                for (var i = 0; i < count; i++) RawWriteNoErrno(fd, p, 64);
            return 0;
        }));
        rows.Add(("getppid(2) from C#", count =>
        {
            for (var i = 0; i < count; i++) GetPpid();
            return 0;
        }));

        var memory = new PinnedMemory(65536);
        BitConverter.TryWriteBytes(memory.Bytes.AsSpan(0), 64u);
        BitConverter.TryWriteBytes(memory.Bytes.AsSpan(4), 64u);
        var hostContext = new WasiContext(new WasiOptions { Argv = ["x"], Stdout = new HostFdStream(devNull, canRead: false, canWrite: true) });
        var host = new WasiHost(hostContext);
        rows.Add(("host.FdFdstatGet (no syscall)", count =>
        {
            for (var i = 0; i < count; i++) host.FdFdstatGet(memory.View(), 1, 64);
            return 0;
        }));
        rows.Add(("getppid(2) + host.FdFdstatGet", count =>
        {
            for (var i = 0; i < count; i++) { GetPpid(); host.FdFdstatGet(memory.View(), 1, 64); }
            return 0;
        }));
        rows.Add(("getppid(2) + 10 x host.FdFdstatGet", count =>
        {
            for (var i = 0; i < count; i++) { GetPpid(); for (var j = 0; j < 10; j++) host.FdFdstatGet(memory.View(), 1, 64); }
            return 0;
        }));
        rows.Add(("host.FdWrite, no engine, HostFdStream", count =>
        {
            for (var i = 0; i < count; i++) host.FdWrite(memory.View(), 1, 0, 1, 8);
            return 0;
        }));

        var engine = EngineRegistry.Get(new EngineSettings(Fuel: false, Epoch: false)).Engine;
        var module = Module.FromText(engine, "fd_write_loop", WasmtimeFdWriteBenchmarks.WatText);
        var noop = new Linker(engine);
        noop.DefineFunction("wasi_snapshot_preview1", "fd_write", (Caller caller, int f, int iovs, int iovsLen, int nwritten) => 0);
        rows.Add(("wasm -> no-op host function", Instantiate(noop, new Store(engine), module)));
        var raw = new Linker(engine);
        raw.DefineFunction("wasi_snapshot_preview1", "fd_write", (Caller caller, int f, int iovs, int iovsLen, int nwritten) =>
        {
            fixed (byte* p = data) RawWrite(fd, p, 64);
            return 0;
        });
        rows.Add(("wasm -> host function that only write(2)s", Instantiate(raw, new Store(engine), module)));
        var direct = new Linker(engine);
        DefineDirect(direct, &DirectWrite);
        s_fd = fd;
        rows.Add(("wasm -> [UnmanagedCallersOnly] that only write(2)s", Instantiate(direct, new Store(engine), module)));
        var directCtx = new Linker(engine);
        DefineDirect(directCtx, &DirectWriteWithContext);
        var ctxStore = new Store(engine);
        ctxStore.SetData("x");
        rows.Add(("wasm -> [UnmanagedCallersOnly] + caller context, data, memory + write(2)", Instantiate(directCtx, ctxStore, module)));
        var ours = new Linker(engine);
        WasmboxWasi.Instance.Define(ours);
        rows.Add(("wasm -> Wasmbox host, Stream.Null", Instantiate(ours, OursWith(engine, Stream.Null), module)));
        rows.Add(("wasm -> Wasmbox host, HostFdStream(/dev/null)",
            Instantiate(ours, OursWith(engine, new HostFdStream(devNull, canRead: false, canWrite: true)), module)));

        foreach (var (name, body) in rows) body(n / 10);
        var results = rows.ToDictionary(r => r.Name, _ => new List<double>());
        for (var rep = 0; rep < reps; rep++)
            foreach (var (name, body) in rows)
            {
                var started = Stopwatch.GetTimestamp();
                var errno = body(n);
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (errno != 0) throw new InvalidOperationException($"{name}: errno {errno}");
                results[name].Add(elapsed.TotalNanoseconds / n);
            }
        foreach (var (name, list) in results)
        {
            list.Sort();
            Console.WriteLine($"{list[list.Count / 2],8:F0} ns/call  (min {list[0]:F0}, max {list[^1]:F0})  {name}");
        }
    }

    private static int s_fd;

    [LibraryImport("wasmtime")]
    private static partial nint wasmtime_linker_define_func_unchecked(nint linker, byte* module, nuint moduleLen, byte* name, nuint nameLen,
        nint type, delegate* unmanaged<nint, nint, ulong*, nuint, nint> callback, nint data, nint finalizer);

    [LibraryImport("wasmtime")]
    private static partial nint wasmtime_caller_context(nint caller);

    [LibraryImport("wasmtime")]
    private static partial nint wasmtime_context_get_data(nint context);

    [LibraryImport("wasmtime")]
    private static partial byte* wasmtime_caller_export_get(nint caller, byte* name, nuint len, byte* item);

    [UnmanagedCallersOnly]
    private static nint DirectWrite(nint env, nint caller, ulong* args, nuint n)
    {
        var data = stackalloc byte[64];
        RawWrite(s_fd, data, 64);
        args[0] = 0;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static nint DirectWriteWithContext(nint env, nint caller, ulong* args, nuint n)
    {
        var context = wasmtime_caller_context(caller);
        var store = (Store)GCHandle.FromIntPtr(wasmtime_context_get_data(context)).Target!;
        if (store.GetData() is not string) return 1;
        var data = stackalloc byte[64];
        RawWrite(s_fd, data, 64);
        args[0] = 0;
        return 0;
    }

    private static void DefineDirect(Linker linker, delegate* unmanaged<nint, nint, ulong*, nuint, nint> callback)
    {
        var handle = (SafeHandle)typeof(Linker).GetField("handle", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(linker)!;
        var kinds = new[] { ValueKind.Int32, ValueKind.Int32, ValueKind.Int32, ValueKind.Int32 };
        var type = (nint)typeof(Function).GetMethod("CreateFunctionType", BindingFlags.Static | BindingFlags.NonPublic)!
            .Invoke(null, [kinds, new[] { ValueKind.Int32 }])!;
        var module = "wasi_snapshot_preview1"u8;
        var name = "fd_write"u8;
        fixed (byte* m = module)
        fixed (byte* nm = name)
        {
            var error = wasmtime_linker_define_func_unchecked(handle.DangerousGetHandle(), m, (nuint)module.Length, nm, (nuint)name.Length, type, callback, 0, 0);
            if (error != 0) throw new InvalidOperationException("define failed");
        }
    }

    private static Store OursWith(Engine engine, Stream stdout)
    {
        var store = new Store(engine);
        var context = new WasiContext(new WasiOptions { Argv = ["fd_write_loop"], Stdout = stdout });
        var storeType = typeof(WasmboxWasi).Assembly.GetType("Wasmbox.Runtime.Wasi.WasiStore", throwOnError: true)!;
        store.SetData(Activator.CreateInstance(storeType, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null,
            [new WasiHost(context), (IWasiTraceSink?)null], null)!);
        return store;
    }

    private static Func<int, int> Instantiate(Linker linker, Store store, Module module) =>
        linker.Instantiate(store, module).GetFunction<int, int>("run") ?? throw new InvalidOperationException("no run export");
}
