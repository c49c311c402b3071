using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Core.Protocol;
using Wasmbox.Jail.Net;

namespace Wasmbox.Jail.Workers;

/// <summary>
/// Runs one sandbox in a worker process (the process tier) or in a worker inside its jail (the jail tier), and says how
/// it ended. Never throws for anything the guest or the host does: every ending is a <see cref="RunResult"/>.
/// </summary>
/// <remarks>
/// <para>Overview. The worker says hello, gets its assignment, and from then on sends the guest's output as frames,
/// which are written to <see cref="WorkerIo"/> as they arrive, and finally its result. Stdin flows the other way on a
/// thread of its own. The worker enforces the policy's limits itself (epoch deadline, CPU clock, store limits); the
/// parent holds the backstops: a hard deadline armed when the worker is spawned (timeout + <see cref="KillGrace"/>), the
/// cgroup's memory limit, and a start-up deadline that ends when the worker says hello.</para>
/// <para>When no result arrives, the ending is worked out from what the parent knows, in this order: its own kill
/// (deadline or start-up), the cgroup's OOM kills, the CPU-time rlimit's signal, a worker that never said hello
/// (bubblewrap or the launch script failed: their message is on the worker's stderr), a fatal protocol error, and
/// otherwise a worker that died (killed from outside, or a crash).</para>
/// </remarks>
public static class WorkerLauncher
{
    /// <summary>How long after the guest's own time limit the parent kills the worker, if the worker has not stopped it itself.</summary>
    public static readonly TimeSpan KillGrace = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a worker may take to say hello (bubblewrap, the launch script, the runtime's start).</summary>
    public static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(30);

    internal const string Bubblewrap = "/usr/bin/bwrap";
    private const int SigXcpu = 24;

    /// <summary>True when this host has what the jail tier needs installed (bubblewrap and libseccomp); doctor tests that it works.</summary>
    public static bool JailInstalled() =>
        OperatingSystem.IsLinux() && File.Exists(Bubblewrap) && NativeLibrary.TryLoad("libseccomp.so.2", out _);

    /// <param name="fallBack">
    /// When the tier is jail because it is the default (not asked for), and the host refuses bubblewrap its namespaces
    /// (user namespaces off, for example), run in the process tier instead after telling <paramref name="fallBack"/> why.
    /// </param>
    /// <param name="stop">Cancelled when the caller must stop the sandbox (wasmbox got SIGTERM): the worker is killed and
    /// cleaned up, and the outcome is <see cref="OutcomeKind.Killed"/>.</param>
    public static RunResult Run(WorkerJob job, IsolationTier tier, WorkerIo io, Action<string>? fallBack = null, CancellationToken stop = default)
    {
        try
        {
            var result = RunChecked(job, tier, io, stop, out var jailDidNotStart);
            if (jailDidNotStart && fallBack is not null && !stop.IsCancellationRequested)
            {
                fallBack($"the jail could not start ({result.Outcome.Message}); running this sandbox with --isolation process instead");
                result = RunChecked(job, IsolationTier.Process, io, stop, out _);
            }
            return result;
        }
        catch (JailSetupException e)
        {
            return new RunResult(RunOutcome.SetupFailed(SetupStage.Isolation, e.Message), ResourceUsage.Zero, NullIfEmpty(job.ModuleSha256));
        }
        finally
        {
            foreach (var listener in job.Listeners) listener.Dispose();
        }
    }

    private static RunResult RunChecked(WorkerJob job, IsolationTier tier, WorkerIo io, CancellationToken stop, out bool jailDidNotStart)
    {
        jailDidNotStart = false;
        if (stop.IsCancellationRequested) return new RunResult(RunOutcome.Killed("stopped before it started"), ResourceUsage.Zero, NullIfEmpty(job.ModuleSha256));
        if (tier == IsolationTier.None) throw new ArgumentException("the none tier runs in-process (Sandbox.Run), not in a worker", nameof(tier));
        if (tier == IsolationTier.Process && job.Policy.Limits.Cpus is not null)
            throw new JailSetupException("--cpus is enforced by the jail's cgroup cpu controller; use --isolation jail, or --cpu-time in this tier");
        if (tier == IsolationTier.Jail && job.Pool?.TryTake(job, io) is { } pooled && RunPooled(pooled, job, io, stop) is { } pooledResult)
            return pooledResult;

        var found = WorkerBinary.Find();
        // The engine the assignment will need, so the worker makes it while the parent answers its hello.
        string[] engine = ["--engine", job.Policy.Limits.Fuel is not null ? "fuel" : "nofuel", job.EpochChecks ? "epoch" : "noepoch"];
        var worker = found with { HostCommand = [.. found.HostCommand, .. engine], JailCommand = [.. found.JailCommand, .. engine] };
        var name = $"{Environment.ProcessId}-{Interlocked.Increment(ref _sequence)}";
        using var plan = tier == IsolationTier.Jail ? Contain.Prepare(job, worker, Bubblewrap, name) : null;
        var argv = plan?.Argv ?? worker.HostCommand;
        var policy = plan?.PolicyInJail ?? job.Policy;
        var module = plan?.ModuleInJail ?? job.ModuleFile;
        // The jail has no network of its own: its sockets come from a broker here, which checks each against the policy
        // again. The process tier has the host's network and opens them itself.
        using var broker = plan is not null && !job.Policy.Net.IsNone ? BrokerChannel.Open(job.Policy.Net) : null;

        Session? session = null;
        using var outputs = OutputPlumbing.Prepare(io.Stdout, io.Stderr, () => session?.StdoutWentAway());
        var inherited = (plan?.Inherited ?? []).Concat(job.Listeners.Select(l => (SafeHandle)l.SafeHandle)).Concat(outputs.Inherited)
            .Concat(broker is null ? [] : [broker.WorkerEnd]).ToList();
        using var process = Spawn(argv, inherited, worker.Environment);
        broker?.Spawned();
        session = new Session(process, plan, job, io, outputs);
        outputs.Started();
        var live = Live(job, process, plan);
        session.Live = live;
        var wire = Assignment(job, policy, module, io, outputs, broker?.WorkerFd);
        // Why now: the first serialization of an assignment costs milliseconds (the serializer's metadata), and the parent
        // would otherwise pay them between the worker's hello and its assignment, on the sandbox's critical path. Here it
        // overlaps the jail's start, which the parent only waits for.
        _ = ProtocolJson.Serialize(wire);
        RunResult result;
        using (stop.Register(session.Stop)) result = session.Converse(wire, module);
        live.Ended();
        jailDidNotStart = plan is not null && session.JailDidNotStart;
        return result;
    }

    private static int _sequence;

    private static WorkerAssignment Assignment(WorkerJob job, SandboxPolicy policyInWorker, string module, WorkerIo io, OutputPlumbing outputs, int? brokerFd) =>
        new(Frames.ProtocolVersion, module, job.Precompiled, job.ModuleSha256, job.Argv0, job.Args,
            policyInWorker.ToWire(d => d.HostPath, stdinFrames: io.Stdin is not null), job.Trace,
            job.Listeners.Select(l => (int)l.SafeHandle.DangerousGetHandle()).ToList(), outputs.StdoutFd, outputs.StderrFd, SpentMs: 0, job.EpochChecks, brokerFd);

    /// <summary>The running worker for live samples, handed to the job's <see cref="WorkerJob.Started"/>.</summary>
    private static LiveWorker Live(WorkerJob job, Process process, Contain.Plan? plan)
    {
        var cap = plan?.Cgroup is { EnforcesMemory: true } && job.Policy.Limits.MaxMemoryBytes is { } max
            ? max + Cgroups.CgroupLimits.RuntimeHeadroomBytes
            : (long?)null;
        var live = new LiveWorker(process, plan?.Cgroup, cap);
        job.Started?.Invoke(live);
        return live;
    }

    /// <summary>
    /// Runs <paramref name="job"/> in a worker taken from its pool: the parent completes the jail for the job (the module
    /// copied in, the memory limit raised), then converses with it as with a worker it spawned, from the assignment on.
    /// The sandbox's clock (its timeout, <c>spent_ms</c>) starts here, when the worker was taken.
    /// </summary>
    /// <returns>Null when the worker died before any of the sandbox ran (an operator's kill, the host's OOM killer, between
    /// the take and the assignment): the caller then starts a worker of its own, as if the pool had been empty.</returns>
    private static RunResult? RunPooled(BlankWorker blank, WorkerJob job, WorkerIo io, CancellationToken stop)
    {
        using (blank)
        {
            var module = blank.Complete(job);
            job.Pool?.BeforeAssign?.Invoke(blank.Process);
            Session? session = null;
            // WorkerPoolKey.Of took only jobs whose outputs are two captured streams.
            var (stdout, stderr) = ((WorkerOutput.ToStream)io.Stdout, (WorkerOutput.ToStream)io.Stderr);
            blank.Outputs.Attach(stdout.Stream, stderr.Stream, () => session?.StdoutWentAway());
            session = new Session(blank.Process, blank.Plan, job, io, blank.Outputs, blank.Reader);
            var live = Live(job, blank.Process, blank.Plan);
            session.Live = live;
            // No broker: WorkerPoolKey.Of never gives a job with --allow-net rules a pooled worker.
            var wire = Assignment(job, Contain.PolicyInJail(job.Policy), module, io, blank.Outputs, brokerFd: null);
            RunResult result;
            try
            {
                using (stop.Register(session.Stop)) result = session.Converse(wire, module);
            }
            finally { live.Ended(); }
            if (!session.EndedBeforeTheSandbox || stop.IsCancellationRequested) return result;
            job.Pool?.DiedBeforeAssignment();
            return null;
        }
    }

    /// <summary>
    /// Starts the worker of <paramref name="job"/> in <paramref name="tier"/> in its self-check mode instead of running the
    /// guest, and returns its report (JSON on its stdout), its exit status and the cgroup's OOM kills. For the jail tests:
    /// they check each jail step from inside, with the real jail of the real job.
    /// </summary>
    /// <param name="io">When given, the worker inherits the outputs a run with <paramref name="io"/> would (for comparing
    /// with a pooled worker's, which always has its two pipes).</param>
    internal static SelfCheckReport SelfCheck(WorkerJob job, IsolationTier tier, IReadOnlyList<string> checks, TimeSpan limit, WorkerIo? io = null)
    {
        // The same broker a run of the job gets; the worker learns its descriptor as the first check.
        using var broker = tier == IsolationTier.Jail && !job.Policy.Net.IsNone ? BrokerChannel.Open(job.Policy.Net) : null;
        if (broker is not null) checks = ["--broker-fd", broker.WorkerFd.ToString(System.Globalization.CultureInfo.InvariantCulture), .. checks];
        var found = WorkerBinary.Find();
        var worker = found with
        {
            HostCommand = [.. found.HostCommand, "--self-check", .. checks],
            JailCommand = [.. found.JailCommand, "--self-check", .. checks],
        };
        using var plan = tier == IsolationTier.Jail ? Contain.Prepare(job, worker, Bubblewrap, $"{Environment.ProcessId}-check-{Interlocked.Increment(ref _sequence)}") : null;
        using var outputs = io is null ? null : OutputPlumbing.Prepare(io.Stdout, io.Stderr, () => { });
        using var process = Spawn(plan?.Argv ?? worker.HostCommand,
            [.. plan?.Inherited ?? [], .. outputs?.Inherited ?? [], .. broker is null ? Array.Empty<SafeHandle>() : [broker.WorkerEnd]], worker.Environment);
        broker?.Spawned();
        outputs?.Started();
        return Collect(process, plan?.Cgroup, limit);
    }

    /// <summary>
    /// The self-check of a worker taken from <paramref name="pool"/> (one made with self-check arguments), after the
    /// parent completed its jail for <paramref name="job"/> exactly as <see cref="RunPooled"/> does.
    /// </summary>
    internal static SelfCheckReport SelfCheckPooled(WorkerPool pool, WorkerJob job, WorkerIo io, TimeSpan limit)
    {
        using var blank = pool.TryTake(job, io) ?? throw new InvalidOperationException("no pooled worker is ready for this job");
        blank.Complete(job);
        blank.Outputs.Attach(((WorkerOutput.ToStream)io.Stdout).Stream, ((WorkerOutput.ToStream)io.Stderr).Stream, () => { });
        return Collect(blank.Process, blank.Plan.Cgroup, limit);
    }

    private static SelfCheckReport Collect(Process process, Cgroups.WorkerCgroup? cgroup, TimeSpan limit)
    {
        var memory = cgroup?.MemoryLimitReadings() ?? [];
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(limit)) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new SelfCheckReport(process.ExitCode, stdout.Result, stderr.Result, cgroup?.OomKills() ?? 0) { MemoryLimits = memory };
    }

    /// <summary>Starts the worker with <paramref name="inherited"/> open in it and nothing else beyond stdio.</summary>
    internal static Process Spawn(IReadOnlyList<string> argv, IReadOnlyList<SafeHandle> inherited, IReadOnlyList<KeyValuePair<string, string>> env)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var a in argv.Skip(1)) start.ArgumentList.Add(a);
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        foreach (var (k, v) in env) start.Environment[k] = v;

        lock (FdHygiene.SpawnLock)
        {
            var fds = inherited.Select(h => (int)h.DangerousGetHandle()).ToList();
            try
            {
                FdHygiene.MarkInheritedCloseOnExec();
                foreach (var fd in fds) FdHygiene.SetCloseOnExec(fd, false);
                return Process.Start(start) ?? throw new JailSetupException($"cannot start {argv[0]}");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new JailSetupException($"cannot start {argv[0]}: {e.Message}; run wasmbox doctor");
            }
            finally
            {
                foreach (var fd in fds) FdHygiene.SetCloseOnExec(fd, true);
            }
        }
    }

    /// <summary>Kills a worker and everything it started: its whole cgroup when it has one, else its process tree. Never throws.</summary>
    internal static void KillWorker(Cgroups.WorkerCgroup? cgroup, Process process)
    {
        try
        {
            if (cgroup is not null) cgroup.Kill();
            else if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            // Already gone.
        }
    }

    /// <summary>The first non-empty line of a worker's stderr (bubblewrap's, the launch script's or the worker's own message).</summary>
    internal static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";

    internal sealed record SelfCheckReport(int ExitCode, string Stdout, string Stderr, long OomKills)
    {
        /// <summary>The cgroup's memory limit files as the worker ran under them (name and value), read before it was told to report.</summary>
        public IReadOnlyList<string> MemoryLimits { get; init; } = [];
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    /// <summary>Why the parent killed the worker, if it did.</summary>
    private enum KillReason { None, Startup, Deadline, StdoutClosed, ProtocolError, Stopped }

    /// <summary>The parent's side of one worker's life.</summary>
    /// <param name="helloRead">The worker's frames with its hello already read (a pooled worker); null to read it here.</param>
    private sealed class Session(Process process, Contain.Plan? plan, WorkerJob job, WorkerIo io, OutputPlumbing outputs, FrameReader? helloRead = null)
    {
        /// <summary>How long the parent waits, after the worker has exited, for the drained output to be delivered.</summary>
        private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(5);

        private readonly FrameWriter _writer = new(process.StandardInput.BaseStream);
        // Buffered, so that one read(2) takes a whole small frame (length, type and payload) instead of three.
        private readonly FrameReader _reader = helloRead ?? new(new BufferedStream(process.StandardOutput.BaseStream, 4096));
        private readonly bool _helloAlreadyRead = helloRead is not null;
        private readonly StringBuilder _stderr = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _killReason;
        private long _killedAtTicks;
        private string? _protocolError;

        private KillReason Killed => (KillReason)Volatile.Read(ref _killReason);

        /// <summary>Kills the worker at the caller's request (wasmbox was told to stop).</summary>
        public void Stop() => Kill(KillReason.Stopped);

        /// <summary>
        /// The reader of the guest's stdout went away (`wasmbox run … | head`). The guest cannot be told from here, so it is
        /// stopped, as a native program would be by SIGPIPE.
        /// </summary>
        public void StdoutWentAway() => Kill(KillReason.StdoutClosed);

        /// <summary>True when the worker never said hello and nobody killed it: bubblewrap or the launch script failed.</summary>
        public bool JailDidNotStart { get; private set; }

        /// <summary>The running worker's live view, told when it may be asked for the guest's counters and given its answers.</summary>
        public LiveWorker? Live { get; set; }

        private volatile bool _startedSeen;
        /// <summary>The refusals the worker told as they happened: the audit of a run that ends without a result (killed).</summary>
        private readonly List<Refusal> _told = [];
        private volatile bool _stdinTaken;

        /// <summary>
        /// True when the worker ended before any of the sandbox ran: no <see cref="FrameType.Started"/>, no result, no
        /// refusal, not killed by us, and no stdin taken from the caller. Running the job again elsewhere then repeats
        /// nothing the guest did (a pooled worker that died before its assignment falls back to a cold start).
        /// </summary>
        public bool EndedBeforeTheSandbox { get; private set; }

        public RunResult Converse(WorkerAssignment assignment, string moduleInWorker)
        {
            var stderrReader = new Thread(CollectStderr) { IsBackground = true, Name = "wasmbox-worker-stderr" };
            stderrReader.Start();
            using var startup = new Timer(_ => Kill(KillReason.Startup), null, StartupLimit, Timeout.InfiniteTimeSpan);
            // Armed at the spawn, not when the guest starts: a start function (or a _start prologue) that blocks in a host
            // call before the worker reports Started must not stretch --timeout into the start-up limit.
            using var deadline = job.Policy.Limits.Timeout is { } limit
                ? new Timer(_ => Kill(KillReason.Deadline), null, limit + KillGrace, Timeout.InfiniteTimeSpan)
                : null;
            WorkerResult? result = null;
            string? fatal = null;
            var helloSeen = false;
            void Assign()
            {
                helloSeen = true;
                // The worker and its jail are up; from here on only the run's own limits apply.
                startup.Change(Timeout.Infinite, Timeout.Infinite);
                _writer.WriteJson(FrameType.Assign, assignment with { SpentMs = (long)_clock.Elapsed.TotalMilliseconds });
                Live?.Assigned(() => _writer.Write(FrameType.UsageAsk, []));
                StartStdinPump();
            }
            try
            {
                if (_helloAlreadyRead) Assign();
                while (_reader.Read() is { } frame)
                {
                    switch (frame.Type)
                    {
                        case FrameType.Hello when !helloSeen:
                            ProtocolJson.ReadHello(frame.Payload.Span); // checks the version
                            Assign();
                            break;
                        case FrameType.Started:
                            _startedSeen = true;
                            break;
                        case FrameType.Usage:
                            if (Live?.TakeQuestion() != true) throw new ProtocolException("protocol: a Usage frame nobody asked for");
                            Live.Answered(ProtocolJson.Deserialize<WorkerUsage>(frame.Payload.Span).ToCounters());
                            break;
                        case FrameType.Refused:
                            // Bounded like the result's list: a worker cannot flood its parent's events.
                            if (_told.Count == RefusalAudit.MaxKept)
                                throw new ProtocolException($"protocol: more than {RefusalAudit.MaxKept} refusals told during one run");
                            var refusal = ProtocolJson.Deserialize<Refusal>(frame.Payload.Span);
                            _told.Add(refusal);
                            job.Refused?.Invoke(refusal);
                            break;
                        case FrameType.OutputClosed:
                            StdoutWentAway();
                            break;
                        case FrameType.Result:
                            result = ProtocolJson.Deserialize<WorkerResult>(frame.Payload.Span);
                            break;
                        case FrameType.Fatal:
                            fatal = Encoding.UTF8.GetString(frame.Payload.Span);
                            break;
                        default:
                            throw new ProtocolException($"protocol: unexpected {frame.Type} frame from the worker");
                    }
                }
            }
            catch (ProtocolException e)
            {
                _protocolError = e.Message;
                Kill(KillReason.ProtocolError);
            }
            catch (IOException e)
            {
                // Our end of the worker's pipes broke: the worker is gone or going; its exit says why.
                _protocolError ??= $"the channel to the worker broke ({e.Message})";
            }
            finally
            {
                deadline?.Change(Timeout.Infinite, Timeout.Infinite);
            }

            process.WaitForExit();
            outputs.Finish(DrainLimit);
            stderrReader.Join(TimeSpan.FromSeconds(2));
            var killedAt = Volatile.Read(ref _killedAtTicks);
            var wall = killedAt > 0 ? TimeSpan.FromTicks(killedAt) : _clock.Elapsed;
            if (Killed == KillReason.Stopped)
                return new RunResult(RunOutcome.Killed("stopped at the caller's request"), new ResourceUsage(wall, plan?.Cgroup?.CpuUsage() ?? TimeSpan.Zero, null, 0, []), NullIfEmpty(job.ModuleSha256))
                    { Refusals = ToldAudit() };
            EndedBeforeTheSandbox = !_startedSeen && result is null && fatal is null && _told.Count == 0 && Killed == KillReason.None && !_stdinTaken;
            // A deadline kill after the result only cut the worker's exit short (in the jail, bubblewrap's too): the worker
            // had stopped the guest at its limit itself, and its result says so.
            if (result is not null && Killed is KillReason.None or KillReason.StdoutClosed or KillReason.Deadline)
                return FromWorker(result, moduleInWorker);
            return Explain(wall, helloSeen, fatal, moduleInWorker) with { Refusals = ToldAudit() };
        }

        /// <summary>The refusals told so far, as the audit of a run without a result (their total is what was told: past the
        /// kept ones the worker tells nothing, so a killed run's count stops at <see cref="RefusalAudit.MaxKept"/>).</summary>
        private RefusalAudit ToldAudit() => _told.Count == 0 ? RefusalAudit.None : new RefusalAudit([.. _told], _told.Count);

        private void StartStdinPump()
        {
            if (io.Stdin is not { } stdin) return;
            new Thread(() =>
            {
                var buffer = new byte[64 * 1024];
                try
                {
                    int n;
                    while ((n = stdin.Read(buffer)) > 0)
                    {
                        _stdinTaken = true;
                        _writer.Write(FrameType.Stdin, buffer.AsSpan(0, n));
                    }
                    _writer.Write(FrameType.StdinEnd, []);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    // The worker is gone, or our stdin failed: either way there is nothing more to send.
                }
            }) { IsBackground = true, Name = "wasmbox-worker-stdin" }.Start();
        }

        private void CollectStderr()
        {
            var buffer = new char[4096];
            try
            {
                int n;
                while ((n = process.StandardError.Read(buffer)) > 0)
                {
                    lock (_stderr)
                    {
                        if (_stderr.Length < 16 * 1024) _stderr.Append(buffer, 0, n);
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The run is over and the pipe went with the process; nothing on a background thread may bring down its host.
            }
        }

        private void Kill(KillReason reason)
        {
            if (Interlocked.CompareExchange(ref _killReason, (int)reason, (int)KillReason.None) != (int)KillReason.None) return;
            // The sandbox stopped running here; reaping it afterwards is bookkeeping, not the guest's time.
            Volatile.Write(ref _killedAtTicks, _clock.Elapsed.Ticks);
            KillWorker(plan?.Cgroup, process);
        }

        private RunResult FromWorker(WorkerResult wire, string moduleInWorker)
        {
            var result = wire.ToRunResult();
            // The jail's cgroup counts all the sandbox ran (the worker, bubblewrap, the launch script), read after the exit.
            if (plan?.Cgroup?.CpuUsage() is { } cgroupCpu) result = result with { Usage = result.Usage with { Cpu = cgroupCpu } };
            var outcome = result.Outcome with { Message = result.Outcome.Message.Replace(moduleInWorker, job.ModulePath, StringComparison.Ordinal) };
            if (Killed == KillReason.StdoutClosed)
                outcome = RunOutcome.Killed("stopped because the reader of its stdout went away");
            return result with { Outcome = outcome };
        }

        /// <summary>The ending of a worker that sent no result.</summary>
        private RunResult Explain(TimeSpan wall, bool helloSeen, string? fatal, string moduleInWorker)
        {
            var limits = job.Policy.Limits;
            var sha = NullIfEmpty(job.ModuleSha256);
            var exit = process.ExitCode;
            var usage = (LimitKind? hit) => new ResourceUsage(wall, plan?.Cgroup?.CpuUsage() ?? TimeSpan.Zero, null, 0, hit is { } h ? [h] : []);
            string stderr;
            lock (_stderr) stderr = _stderr.ToString();
            var detail = FirstLine(stderr);

            switch (Killed)
            {
                case KillReason.Deadline:
                    return new RunResult(RunOutcome.TimedOut(limits.Timeout!.Value) with
                    {
                        Message = $"stopped by the wall-clock limit of {Core.Units.DurationText.Format(limits.Timeout!.Value)} (the worker was killed)",
                    }, usage(LimitKind.Timeout), sha);
                case KillReason.Startup:
                    return Setup($"the worker did not start within {Core.Units.DurationText.Format(StartupLimit)}{Suffix(detail)}; run wasmbox doctor");
                case KillReason.StdoutClosed:
                    return new RunResult(RunOutcome.Killed("stopped because the reader of its stdout went away"), usage(null), sha);
                case KillReason.ProtocolError:
                    return Setup($"the worker broke the protocol: {_protocolError}");
            }
            if (plan?.Cgroup is { } cgroup && cgroup.OomKills() > 0)
            {
                var cap = limits.MaxMemoryBytes is { } m ? Core.Units.ByteSize.Format(m + Cgroups.CgroupLimits.RuntimeHeadroomBytes) : "?";
                return new RunResult(RunOutcome.MemoryLimit(
                    $"killed by the jail's memory limit of {cap} (--max-memory plus {Core.Units.ByteSize.Format(Cgroups.CgroupLimits.RuntimeHeadroomBytes)} for the runtime)"),
                    usage(LimitKind.MaxMemory), sha);
            }
            if (limits.CpuTime is { } cpuLimit && exit is 128 + SigXcpu or 128 + 9 && (plan?.Cgroup?.CpuUsage() ?? cpuLimit) >= cpuLimit)
                return new RunResult(RunOutcome.CpuTimeExceeded(cpuLimit), usage(LimitKind.CpuTime), sha);
            if (fatal is not null)
                return Setup($"the worker refused its assignment: {fatal.Replace(moduleInWorker, job.ModulePath, StringComparison.Ordinal)}");
            if (!helloSeen)
            {
                JailDidNotStart = plan is not null && HostRefusedNamespaces(stderr);
                return Setup(plan is null
                    ? $"the worker exited ({Describe(exit)}) before it started{Suffix(detail)}"
                    : $"cannot start the jail{Suffix(detail)} ({Describe(exit)}); run wasmbox doctor, or use --isolation process");
            }
            return new RunResult(RunOutcome.Killed($"the worker died without a result ({Describe(exit)}){Suffix(detail)}"), usage(null), sha);

            RunResult Setup(string message) =>
                new(RunOutcome.SetupFailed(SetupStage.Isolation, message), ResourceUsage.Zero, sha);
        }

        /// <summary>
        /// bubblewrap's own words when the host does not let it build the jail at all (user namespaces off, no
        /// permission to map uids or configure the loopback), as opposed to a mistake in what it was given.
        /// </summary>
        private static bool HostRefusedNamespaces(string stderr) =>
            stderr.StartsWith("bwrap:", StringComparison.Ordinal)
            && (stderr.Contains("namespace", StringComparison.Ordinal) || stderr.Contains("uid map", StringComparison.Ordinal)
                || stderr.Contains("Operation not permitted", StringComparison.Ordinal) || stderr.Contains("Permission denied", StringComparison.Ordinal)
                || stderr.Contains("loopback", StringComparison.Ordinal));

        private static string Suffix(string detail) => detail.Length == 0 ? "" : $": {detail}";


        private static string Describe(int exit) => exit > 128 ? $"signal {exit - 128}" : $"status {exit}";
    }
}
