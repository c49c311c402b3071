using BindingFlags = System.Reflection.BindingFlags;
using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Wasi;
using Wasmbox.Wasi;
using Wasmbox.Wasi.Fs;
using Wasmbox.Wasi.Host;
using Wasmbox.Wasi.Tracing;
using Wasmtime;

namespace Wasmbox.Benchmarks;

/// <summary>
/// A WAT guest that calls <c>fd_write(1, one 64-byte iovec)</c> <see cref="N"/> times in a loop, through Wasmtime, on the
/// engine <c>wasmbox run</c> uses without limits. BenchmarkDotNet divides by <see cref="N"/> (OperationsPerInvoke), so
/// every figure is per call, allocations included.
/// </summary>
/// <remarks>
/// Rows:
/// <list type="bullet">
/// <item>a no-op C# <c>fd_write</c> (typed host function returning 0): the floor of any host call;</item>
/// <item>Wasmbox's host (<see cref="WasmboxWasi"/>) with stdout = <see cref="Stream.Null"/>: host call + our code, no syscall;</item>
/// <item>Wasmbox's host with stdout = a <see cref="HostFdStream"/> on /dev/null: what <c>wasmbox run &gt;/dev/null</c> does
/// (inherited stdout is a raw write(2) stream);</item>
/// <item>Wasmbox's host configured by <see cref="WasmboxWasi.Configure"/> with stdout to the file /dev/null (FileStream,
/// bufferSize 0: the library's <c>OutputTarget.ToFile</c>);</item>
/// <item>Wasmtime's built-in WASI (<see cref="WasmtimeBuiltinWasi"/>) with stdout to the file /dev/null.</item>
/// </list>
/// The first three set up the store the way <see cref="WasmboxWasi.Configure"/> does, but hand the context a stream of
/// our choosing; the store's data type (WasiStore) is internal to Wasmbox.Runtime, so it is made by reflection (setup only).
/// </remarks>
[MemoryDiagnoser]
public class WasmtimeFdWriteBenchmarks
{
    public const int N = 10_000;

    internal const string WatText = Wat;

    private const string Wat = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          ;; ciovec at 0: buf = 64, buf_len = 64; nwritten at 8; the 64 bytes at 64.
          (data (i32.const 0) "\40\00\00\00\40\00\00\00")
          (data (i32.const 64) "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n")
          (func (export "run") (param $n i32) (result i32)
            (local $errno i32)
            (block $done
              (loop $again
                (br_if $done (i32.eqz (local.get $n)))
                (local.set $errno (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                (if (local.get $errno) (then (return (local.get $errno))))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $again)))
            (i32.const 0))
          (func (export "_start")))
        """;

    private Engine _engine = null!;
    private Module _module = null!;
    private readonly List<IDisposable> _owned = [];
    private Func<int, int> _noop = null!, _oursNull = null!, _oursRawDevNull = null!, _oursFileDevNull = null!, _builtin = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = EngineRegistry.Get(new EngineSettings(Fuel: false, Epoch: false)).Engine;
        _module = Module.FromText(_engine, "fd_write_loop", Wat);

        var noopLinker = Own(new Linker(_engine));
        noopLinker.DefineFunction("wasi_snapshot_preview1", "fd_write", (Caller caller, int fd, int iovs, int iovsLen, int nwritten) => 0);
        _noop = Instantiate(noopLinker, Own(new Store(_engine)));

        var ours = Own(new Linker(_engine));
        WasmboxWasi.Instance.Define(ours);
        _oursNull = Instantiate(ours, OursWith(Stream.Null));
        var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        _oursRawDevNull = Instantiate(ours, OursWith(new HostFdStream(devNull, canRead: false, canWrite: true)));

        var toDevNull = new GuestStdio(new OutputTarget.ToFile("/dev/null"), new OutputTarget.ToFile("/dev/null"));
        var spec = new WasiContextSpec(["fd_write_loop"], SandboxPolicy.DenyAll, toDevNull);
        var oursStore = Own(new Store(_engine));
        Own(WasmboxWasi.Instance.Configure(oursStore, spec));
        _oursFileDevNull = Instantiate(ours, oursStore);

        var builtin = Own(new Linker(_engine));
        WasmtimeBuiltinWasi.Instance.Define(builtin);
        var builtinStore = Own(new Store(_engine));
        Own(WasmtimeBuiltinWasi.Instance.Configure(builtinStore, spec));
        _builtin = Instantiate(builtin, builtinStore);

        foreach (var run in new[] { _noop, _oursNull, _oursRawDevNull, _oursFileDevNull, _builtin })
        {
            var errno = run(10);
            if (errno != 0) throw new InvalidOperationException($"the guest's fd_write returned errno {errno}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _module.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = N, Description = "no-op C# fd_write (host-call floor)")]
    public int Noop() => _noop(N);

    [Benchmark(OperationsPerInvoke = N, Description = "wasmbox host -> Stream.Null")]
    public int OursStreamNull() => _oursNull(N);

    [Benchmark(OperationsPerInvoke = N, Description = "wasmbox host -> HostFdStream(/dev/null) [= wasmbox run >/dev/null]")]
    public int OursRawDevNull() => _oursRawDevNull(N);

    [Benchmark(OperationsPerInvoke = N, Description = "wasmbox host -> ToFile(/dev/null) [FileStream]")]
    public int OursFileDevNull() => _oursFileDevNull(N);

    [Benchmark(OperationsPerInvoke = N, Description = "wasmtime built-in WASI -> /dev/null")]
    public int Builtin() => _builtin(N);

    private T Own<T>(T item) where T : IDisposable
    {
        _owned.Add(item);
        return item;
    }

    private Store OursWith(Stream stdout)
    {
        var store = Own(new Store(_engine));
        var context = new WasiContext(new WasiOptions { Argv = ["fd_write_loop"], Stdout = stdout });
        Own(context);
        var storeType = typeof(WasmboxWasi).Assembly.GetType("Wasmbox.Runtime.Wasi.WasiStore", throwOnError: true)!;
        var data = Activator.CreateInstance(storeType, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null,
            [new WasiHost(context), (IWasiTraceSink?)null], null)!;
        store.SetData(data);
        return store;
    }

    private Func<int, int> Instantiate(Linker linker, Store store)
    {
        var instance = linker.Instantiate(store, _module);
        return instance.GetFunction<int, int>("run") ?? throw new InvalidOperationException("the guest exports no run(i32) -> i32");
    }
}
