using System.Collections.Concurrent;
using System.Diagnostics;
using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Core.Wasm;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Modules;
using Wasmbox.Runtime.Native;
using Wasmbox.Runtime.Wasi;
using Wasmtime;

namespace Wasmbox.Runtime;

/// <summary>
/// Runs one WASI command module in this process under a policy, and says how it ended and what it used.
/// Never throws for anything the guest, the module or the policy does: every ending is a <see cref="RunResult"/>.
/// </summary>
/// <remarks>
/// The guest runs on the calling thread (Wasmtime has no async in .NET; a guest blocks its thread). Engines and linkers
/// are shared by all runs in the process; each run gets its own <see cref="Store"/>, disposed at the end.
/// </remarks>
public static class Sandbox
{
    private static readonly ConcurrentDictionary<(EngineSettings, IWasiBinding), Lazy<Linker>> Linkers = new();

    /// <summary>What one table element costs the host (a pointer), for turning <c>--max-memory</c> into a table cap.</summary>
    private const long TableElementBytes = 8;

    /// <summary>How often the CPU-time watch reads the guest's CPU clock while a run has <c>--cpu-time</c>.</summary>
    private static readonly TimeSpan CpuWatchPeriod = TimeSpan.FromMilliseconds(10);

    /// <summary>The engine a policy needs: fuel and epoch checks are compiled in only when the policy asks for them, and
    /// epoch checks only when a guest past its time limit is unwound rather than its process ended.</summary>
    public static EngineEntry EngineFor(SandboxPolicy policy, TimeLimitStop stop = TimeLimitStop.Unwind) =>
        EngineRegistry.Get(EngineSettings.For(policy, stop));

    /// <summary>Compiles a module into the cache for a policy's engine (<c>wasmbox compile</c>), checking it is a runnable command.</summary>
    public static LoadedModule Compile(string modulePath, SandboxPolicy policy, ModuleCache? cache, TimeLimitStop stop = TimeLimitStop.Unwind)
    {
        var module = ModuleLoader.Load(modulePath, EngineFor(policy, stop), cache);
        try { WasiCommandCheck.Check(module.Module, modulePath); }
        catch { module.Dispose(); throw; }
        return module;
    }

    /// <summary>Loads an artifact already compiled for this policy's engine (a worker's assignment), checking it is a runnable command.</summary>
    public static LoadedModule LoadPrecompiled(string displayPath, string artifactPath, string sha256, SandboxPolicy policy,
        TimeLimitStop stop = TimeLimitStop.Unwind)
    {
        var module = ModuleLoader.LoadArtifact(displayPath, artifactPath, sha256, EngineFor(policy, stop));
        try { WasiCommandCheck.Check(module.Module, displayPath); }
        catch { module.Dispose(); throw; }
        return module;
    }

    /// <summary>
    /// Creates the engine of <paramref name="settings"/> (which loads the Wasmtime library) and its linker with the WASI
    /// imports, so that a later run with those settings finds them made. A worker calls it on a thread of its own as soon
    /// as it starts, while its parent is still answering the hello: about 5 ms of a jailed start that no longer wait.
    /// </summary>
    public static void WarmUp(EngineSettings settings, IWasiBinding? wasi = null) =>
        LinkerFor(EngineRegistry.Get(settings), wasi ?? WasmboxWasi.Instance);

    private static Linker LinkerFor(EngineEntry engine, IWasiBinding wasi) =>
        Linkers.GetOrAdd((engine.Settings, wasi), key => new Lazy<Linker>(() =>
        {
            var l = new Linker(engine.Engine);
            key.Item2.Define(l);
            return l;
        })).Value;

    public static RunResult Run(RunRequest request)
    {
        // This is the in-process runner (tier none); a policy that asks for a worker must not quietly run here.
        if (request.Policy.Isolation is { } tier and not IsolationTier.None)
        {
            return Failed(new SetupException(SetupStage.Policy,
                $"--isolation {tier.Name()} runs in a worker process; start it through the worker launcher, not Sandbox.Run"), null);
        }
        if (request.TimeLimitStop == TimeLimitStop.EndProcess && request.EndProcess is null
            && (request.Policy.Limits.Timeout is not null || request.Policy.Limits.CpuTime is not null))
        {
            // Without epoch checks nothing else could stop the guest at its limit.
            return Failed(new SetupException(SetupStage.Policy, "a run whose time limit ends its process needs a way to end it (RunRequest.EndProcess)"), null);
        }
        if (request.Policy.Limits.Cpus is not null)
        {
            return Failed(new SetupException(SetupStage.Policy,
                "--cpus is enforced by the jail's cgroup cpu controller; use --isolation jail, or --cpu-time to cap CPU use in this tier"), null);
        }

        LoadedModule module;
        try
        {
            module = request.PrecompiledArtifact is { } artifact
                ? LoadPrecompiled(request.ModulePath, artifact, request.ModuleSha256 ?? "", request.Policy, request.TimeLimitStop)
                : Compile(request.ModulePath, request.Policy, request.Cache, request.TimeLimitStop);
        }
        catch (SetupException e) { return Failed(e, null); }

        using (module)
        {
            return RunLoaded(request, module);
        }
    }

    private static RunResult RunLoaded(RunRequest request, LoadedModule module)
    {
        var engine = EngineFor(request.Policy, request.TimeLimitStop);
        var linker = LinkerFor(engine, request.Wasi);
        var limits = request.Policy.Limits;

        using var store = new Store(engine.Engine);
        // A table element is a host pointer: without a cap on them, a guest under --max-memory could still eat host memory
        // through table.grow (measured: 500 MB with a 16 MiB cap). Each table gets the cap's worth of elements; a module
        // with several tables or memories can use that many caps, which in-process nothing else bounds (the jail's cgroup does).
        if (limits.MaxMemoryBytes is { } cap) store.SetLimits(memorySize: cap, tableElements: (uint)Math.Min(cap / TableElementBytes, uint.MaxValue));
        if (limits.Fuel is { } fuel) store.Fuel = fuel;

        var argv = new List<string> { request.Argv0 ?? request.ModulePath };
        argv.AddRange(request.Args);
        using var interrupt = limits.Timeout is not null || limits.CpuTime is not null || request.Stop.CanBeCanceled ? new CancellationTokenSource() : null;
        IWasiSession wasiSession;
        try
        {
            wasiSession = request.Wasi.Configure(store, new WasiContextSpec(argv, request.Policy, request.Stdio)
            {
                Trace = request.Trace,
                InheritedListeners = request.InheritedListeners,
                SocketOpener = request.SocketOpener,
                SkipNetCheck = request.SkipNetCheck,
                Interrupt = interrupt?.Token ?? CancellationToken.None,
            });
        }
        catch (SetupException e) { return Failed(e, module.Sha256); }
        using var wasiResources = wasiSession;
        if (request.Refused is { } refused) wasiSession.OnRefusal(refused);

        var clock = Stopwatch.StartNew();
        // Time already spent since the sandbox started (a worker's start-up and load), which counts against the limit.
        var spent = request.StartedAt is { } startedAt ? Stopwatch.GetElapsedTime(startedAt) : TimeSpan.Zero;
        var wallLeft = limits.Timeout is { } wallLimit ? (wallLimit - spent) is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero : (TimeSpan?)null;
        // Armed only now, with the clock that measures the run: a host wait is never cut short before the run's own limit.
        // Why not CancelAfter: a timer may fire a fraction of a millisecond before the Stopwatch says the limit has passed
        // (measured: 299.9 ms of a 300 ms limit), so the timer re-checks the run's own clock and re-arms for the rest.
        Func<TimeSpan> cpuNow = request.CpuScope == CpuScope.Process ? ThreadCpuClock.Process : ThreadCpuClock.Now;
        // A worker counts its CPU time from its own start, so its start-up is part of --cpu-time as it is of --timeout.
        var cpuStart = request.CpuScope == CpuScope.Process ? TimeSpan.Zero : cpuNow();
        // The CPU-time limit cancels the interrupt too: a host call that computes (a 2 GiB random_get) burns CPU where
        // no epoch check runs. A timer reads the guest's CPU clock from its own thread, so it needs a clock readable
        // from there (the thread's own clock id, or the process clock).
        var cpuSpent = false;
        Func<TimeSpan>? cpuWatched = request.CpuScope == CpuScope.Process ? ThreadCpuClock.Process : ThreadCpuClock.OfCurrentThread();
        // Without epoch checks (a worker) the watches are what stops a guest in compiled code: they end the process with
        // the result as they know it. The guest's thread is never touched, so memory and fuel figures are not read.
        var endsProcess = request.TimeLimitStop == TimeLimitStop.EndProcess && request.EndProcess is not null;
        RunResult AtLimit(LimitKind kind) => new(
            kind == LimitKind.CpuTime ? RunOutcome.CpuTimeExceeded(limits.CpuTime!.Value) : RunOutcome.TimedOut(limits.Timeout!.Value),
            new ResourceUsage(clock.Elapsed + spent, (cpuWatched ?? cpuNow)() - cpuStart, null, 0, [kind]), module.Sha256);
        using var wallWatch = wallLeft is { } waitLimit
            ? new Timer(_ =>
            {
                CancelWhenDue(interrupt!, clock, waitLimit);
                if (endsProcess) request.EndProcess!(AtLimit(LimitKind.Timeout));
            }, null, waitLimit, Timeout.InfiniteTimeSpan)
            : null;
        using var cpuWatch = limits.CpuTime is { } cpuLimit && cpuWatched is not null
            ? new Timer(_ =>
            {
                if (cpuWatched() - cpuStart < cpuLimit) return;
                cpuSpent = true;
                try { interrupt!.Cancel(); }
                catch (ObjectDisposedException) { } // Why: the run ended while this tick was already running.
                if (endsProcess) request.EndProcess!(AtLimit(LimitKind.CpuTime));
            }, null, CpuWatchPeriod, CpuWatchPeriod)
            : null;
        var timed = engine.Settings.Epoch;
        using var epochLease = timed ? EpochTicker.Lease(engine.Engine) : null;
        var deadline = timed ? Deadline.Arm(store, clock, wallLeft, limits.CpuTime, cpuNow, cpuStart) : null;
        var stopped = false;
        using var stopRegistration = request.Stop.Register(() =>
        {
            Volatile.Write(ref stopped, true);
            deadline?.Stop();
            try { interrupt!.Cancel(); }
            catch (ObjectDisposedException) { }
        });

        Instance? instance = null;
        RunOutcome outcome;
        var limitsHit = new List<LimitKind>();
        try
        {
            instance = linker.Instantiate(store, module.Module);
            var start = instance.GetAction("_start")
                ?? throw new SetupException(SetupStage.Link, $"{request.ModulePath} exports no callable _start");
            using var live = request.Live is { } counters ? counters.Bind(LiveReader(store, instance, wasiSession, limits.Fuel)) : default;
            request.BeforeStart?.Invoke();
            start();
            outcome = RunOutcome.Exited(0);
        }
        catch (SetupException e)
        {
            return Failed(e, module.Sha256);
        }
        catch (WasmtimeException e)
        {
            outcome = Classify(e, instance is null, request, deadline, cpuSpent ? LimitKind.CpuTime : LimitKind.Timeout);
        }
        cpuWatch?.Dispose();
        if (Volatile.Read(ref stopped) && outcome.Kind is not OutcomeKind.SetupFailed)
            outcome = RunOutcome.Killed("stopped at the caller's request");
        var wall = clock.Elapsed + spent;
        var cpu = cpuNow() - cpuStart;
        // A host wait cut short by the wall-clock limit (sock_accept, sock_recv, poll_oneoff) returns an errno, and the
        // guest may then exit by itself before the next epoch check; it still ran out of time.
        if (interrupt is { IsCancellationRequested: true } && outcome.Kind == OutcomeKind.Exited)
            outcome = cpuSpent ? RunOutcome.CpuTimeExceeded(limits.CpuTime!.Value) : RunOutcome.TimedOut(limits.Timeout!.Value);

        if (outcome.Kind == OutcomeKind.SetupFailed) return new RunResult(outcome, ResourceUsage.Zero, module.Sha256);
        if (outcome.Kind == OutcomeKind.MemoryLimit || (limits.MaxMemoryBytes is not null && module.GrowInstrumented && GrowRefusals(instance) > 0)) limitsHit.Add(LimitKind.MaxMemory);
        if (outcome.Kind == OutcomeKind.OutOfFuel) limitsHit.Add(LimitKind.Fuel);
        if (outcome.Kind == OutcomeKind.Timeout) limitsHit.Add(deadline?.Expired ?? (cpuSpent ? LimitKind.CpuTime : LimitKind.Timeout));
        limitsHit.AddRange(wasiSession.LimitsHit);
        var usage = new ResourceUsage(
            wall,
            cpu,
            limits.Fuel is { } budget ? budget - store.Fuel : null,
            PeakMemory(instance),
            limitsHit)
        {
            Net = wasiSession.Net,
            Io = wasiSession.Io,
        };
        return new RunResult(outcome, usage, module.Sha256) { Refusals = wasiSession.Refusals };
    }

    /// <summary>
    /// Reads the guest's counters from another thread (<see cref="LiveCounters"/>). Called on the guest's thread before
    /// <c>_start</c>: it looks the memories up there, where touching the store's tables is safe, and from then on reads
    /// only what the WASI host counts and the store's fuel (see <see cref="GuestCounters"/>).
    /// </summary>
    private static Func<GuestCounters> LiveReader(Store store, Instance instance, IWasiSession wasi, ulong? fuelBudget)
    {
        var initialMemory = PeakMemory(instance);
        return () => new GuestCounters(
            Math.Max(initialMemory, wasi.MemoryBytesSeen),
            fuelBudget is { } budget ? budget - store.Fuel : null,
            wasi.OpenFds,
            wasi.Refusals.Total,
            wasi.Io ?? GuestIo.Zero,
            wasi.Net);
    }

    /// <summary>Cancels <paramref name="interrupt"/> once <paramref name="clock"/> shows <paramref name="limit"/>; until then, waits again.</summary>
    private static void CancelWhenDue(CancellationTokenSource interrupt, Stopwatch clock, TimeSpan limit)
    {
        while (clock.Elapsed < limit) Thread.Sleep(limit - clock.Elapsed + TimeSpan.FromMilliseconds(0.2));
        try { interrupt.Cancel(); }
        catch (ObjectDisposedException) { } // the run ended while this timer was due
    }

    /// <summary>Turns the exception that ended a guest into an outcome. The order matters: an exit is not a trap, and a deadline
    /// that fired explains whatever exception it caused.</summary>
    /// <param name="interruptedBy">Which limit cancelled the host's interrupt, if a host call was cancelled.</param>
    private static RunOutcome Classify(WasmtimeException e, bool duringInstantiation, RunRequest request, Deadline? deadline, LimitKind interruptedBy)
    {
        var limits = request.Policy.Limits;
        if (deadline?.Expired is LimitKind.Timeout) return RunOutcome.TimedOut(limits.Timeout!.Value);
        if (deadline?.Expired is LimitKind.CpuTime) return RunOutcome.CpuTimeExceeded(limits.CpuTime!.Value);
        if (e.ExitCode is { } code) return RunOutcome.Exited(code);
        // Wasmbox's own WASI host unwinds the guest with its own exceptions, which Wasmtime keeps as the inner one.
        switch (e.InnerException)
        {
            case Wasmbox.Wasi.WasiProcExit exit: return RunOutcome.Exited(exit.Code);
            case Wasmbox.Wasi.WasiTrap wasiTrap: return RunOutcome.Trapped("WasiTrap", $"trapped: {wasiTrap.Message}");
            case TimeoutException: break;
            // A host call that was waiting (poll_oneoff, a read of a silent pipe) or computing (a huge random_get) when
            // a limit passed was cancelled: the wall clock, or the CPU time a computing call burnt.
            case OperationCanceledException when interruptedBy == LimitKind.CpuTime && limits.CpuTime is { } cpu: return RunOutcome.CpuTimeExceeded(cpu);
            case OperationCanceledException when limits.Timeout is { } wall: return RunOutcome.TimedOut(wall);
            case { } hostBug: return RunOutcome.Trapped("HostError", $"trapped: host error in a WASI call: {hostBug.GetType().Name}: {hostBug.Message}");
        }
        if (e is TrapException trap)
        {
            return trap.Type switch
            {
                TrapCode.OutOfFuel => RunOutcome.OutOfFuel(limits.Fuel ?? 0),
                TrapCode.Interrupt when limits.Timeout is { } t => RunOutcome.TimedOut(t),
                _ => RunOutcome.Trapped(trap.Type.ToString(), $"trapped: {TrimTrapPrefix(ModuleLoader.FirstLine(trap.Message))}"),
            };
        }
        var text = ModuleLoader.FirstLine(e.Message);
        if (duringInstantiation)
        {
            if (limits.MaxMemoryBytes is { } cap && e.Message.Contains("exceeds memory limits", StringComparison.Ordinal))
            {
                return RunOutcome.MemoryLimit(
                    $"the module's initial memory is larger than --max-memory {Core.Units.ByteSize.Format(cap)} ({text}); raise the limit");
            }
            return RunOutcome.SetupFailed(SetupStage.Instantiate, $"cannot instantiate {request.ModulePath}: {text}");
        }
        // A host function failed in a way the guest cannot handle (e.g. proc_exit with a status of 126 or more).
        return RunOutcome.Trapped("HostError", $"trapped: {text}");
    }

    private static string TrimTrapPrefix(string text) =>
        text.StartsWith("wasm trap: ", StringComparison.Ordinal) ? text["wasm trap: ".Length..] : text;

    private static int GrowRefusals(Instance? instance) =>
        instance?.GetGlobal(WasmGrowInstrumenter.RefusedCountExport)?.GetValue() is int n ? n : 0;

    private static long PeakMemory(Instance? instance) =>
        instance?.GetMemories().Select(m => m.Item2.GetLength()).DefaultIfEmpty(0).Max() ?? 0;

    private static RunResult Failed(SetupException e, string? sha) =>
        new(RunOutcome.SetupFailed(e.Stage, e.Message), ResourceUsage.Zero, sha);
}
