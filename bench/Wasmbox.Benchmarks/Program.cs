// In-process benchmarks of Wasmbox's own WASI host (issue #3, "Benchmarks"). See bench/run-wasi-bdn.sh.
//
//   wasmbox-benchmarks [--smoke] [BenchmarkDotNet arguments]     e.g. --filter '*' --artifacts bench/.out-wasi/bdn
//
// Every benchmark runs in this process (InProcessEmitToolchain): BenchmarkDotNet does not generate and build a project of
// its own, so nothing is written into src/*/bin or obj. The job is short on purpose: the reference machine is a noisy
// 2-core VM; read the medians, and the ratios between rows more than the absolute values.
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// --per-call [N [REPS]]: the stopwatch harness (PerCallHarness), not BenchmarkDotNet.
if (args.Length > 0 && args[0] == "--per-call")
{
    Wasmbox.Benchmarks.PerCallHarness.Run(args.Length > 1 ? int.Parse(args[1]) : 200_000, args.Length > 2 ? int.Parse(args[2]) : 7);
    return;
}

// --file-cycles [N [REPS [MAX-DISK]]]: file_cycles.c's cycle on the host, call by call (FileCycleHarness).
if (args.Length > 0 && args[0] == "--file-cycles")
{
    Wasmbox.Benchmarks.FileCycleHarness.Run(args.Length > 1 ? int.Parse(args[1]) : 2000, args.Length > 2 ? int.Parse(args[2]) : 7,
        args.Length > 3 ? long.Parse(args[3]) : null);
    return;
}

// --smoke: run every benchmark once (Job.Dry), to check the setup works before a real run.
var smoke = args.Contains("--smoke");
args = args.Where(a => a != "--smoke").ToArray();
var job = smoke
    ? Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithId("smoke")
    : Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(10)
        .WithId("short-inproc");
var config = ManualConfig.Create(DefaultConfig.Instance)
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max)
    .HideColumns(Column.Error, Column.StdDev)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(Wasmbox.Benchmarks.EngineFreeBenchmarks).Assembly).Run(args, config);
