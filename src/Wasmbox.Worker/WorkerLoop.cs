using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Protocol;
using Wasmbox.Runtime;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Native;
using Wasmbox.Runtime.Wasi;
using Wasmbox.Wasi.Fs;

namespace Wasmbox.Worker;

/// <summary>
/// The worker's one job: say hello, wait for the assignment, run it, send the result, exit.
/// </summary>
/// <remarks>
/// <para>Overview. The parent writes frames to our stdin and reads frames from our stdout (the guest never sees either:
/// its fd 1 and 2 are descriptors the parent handed over, its fd 0 is the pipe of <see cref="ControlPump"/>). Our own
/// stderr is the parent's channel for diagnostics that are not frames: bubblewrap's messages and a crash of the
/// runtime land there.</para>
/// <para>Hello goes out before the assignment is read, so a parent (or the daemon's pool) can start workers ahead of
/// time and know when one is ready. A malformed or truncated frame, or an assignment that does not validate, ends the
/// worker with a <see cref="FrameType.Fatal"/> frame and status 125; it never waits for more.</para>
/// </remarks>
internal static class WorkerLoop
{
    /// <summary>Exit status when the parent sent something we cannot act on (the same number as wasmbox's own setup failures).</summary>
    private const int ProtocolErrorStatus = 125;

    /// <param name="expected">The engine the parent said the assignment will need, made on a thread of its own meanwhile.</param>
    public static int Run(Runtime.Engines.EngineSettings? expected)
    {
        if (expected is { } settings) WarmUp(settings);
        using var stdin = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
        using var stdout = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        var writer = new FrameWriter(stdout);
        var reader = new FrameReader(stdin);
        try
        {
            writer.WriteJson(FrameType.Hello, new WorkerHello(Frames.ProtocolVersion, Environment.ProcessId, WorkerVersion));
            var assignment = ReadAssignment(reader, out var receivedAt);
            var gate = new ResultGate(writer);
            var result = RunAssignment(assignment, receivedAt, reader, writer, gate);
            // Lost only to a watch that is ending the process with its own result.
            if (!gate.TrySend(result)) Thread.Sleep(Timeout.Infinite);
            return 0;
        }
        catch (ProtocolException e)
        {
            return Fatal(writer, e.Message);
        }
        catch (IOException)
        {
            // The parent closed our stdout: nobody is left to tell.
            return ControlPump.StoppedStatus;
        }
    }

    /// <summary>
    /// Makes the engine and linker, and readies the assignment's reader, on a background thread: the worker would
    /// otherwise do all three only after the assignment arrived. A failure here is left for the run to meet and report.
    /// </summary>
    private static void WarmUp(Runtime.Engines.EngineSettings settings) =>
        new Thread(() =>
        {
            try
            {
                Sandbox.WarmUp(settings);
                _ = ProtocolJson.Deserialize<WorkerAssignment>(ProtocolJson.Serialize(WarmUpSample));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The run makes the same engine again and reports what is wrong with it.
            }
        }) { IsBackground = true, Name = "wasmbox-worker-warmup" }.Start();

    private static readonly WorkerAssignment WarmUpSample = new(Frames.ProtocolVersion, "/m", false, "", "m", [],
        new WirePolicy([], [], new WireLimits(null, null, null, null, null, null, null), WirePolicy.StdinNone, null),
        false, [], 3, 3, 0, false, null);

    private static string WorkerVersion =>
        typeof(WorkerLoop).Assembly.GetName().Version?.ToString() ?? "0";

    /// <param name="receivedAt">When the frame arrived (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>): the instant
    /// the parent's <c>spent_ms</c> was measured at, give or take a pipe write, before any parsing or first-call compiling.</param>
    private static WorkerAssignment ReadAssignment(FrameReader reader, out long receivedAt)
    {
        var frame = reader.Read() ?? throw new ProtocolException("protocol: the parent closed the channel before sending an assignment");
        receivedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        if (frame.Type != FrameType.Assign)
            throw new ProtocolException($"protocol: expected an {FrameType.Assign} frame first, got {frame.Type}");
        // Checks the version first, then the shape: relative paths, NUL bytes, bad fds and limits are refused here.
        return ProtocolJson.ReadAssignment(frame.Payload.Span);
    }

    private static WorkerResult RunAssignment(WorkerAssignment assignment, long receivedAt, FrameReader reader, FrameWriter writer, ResultGate gate)
    {
        // The sandbox started when the parent spawned us; its limits count from there.
        // Counted from the assignment's arrival: parsing it and compiling this code on first use (tens of ms in a JIT
        // worker) happen after the parent measured spent_ms, and counting from here made the worker's limit that late.
        var startedAt = receivedAt - (long)(assignment.SpentMs / 1000.0 * System.Diagnostics.Stopwatch.Frequency);
        var policy = assignment.Policy.ToPolicy(out var stdinFromFrames);
        var live = new LiveCounters();
        var pump = ControlPump.Start(reader, stdinFromFrames, message => Environment.Exit(Fatal(writer, message)),
            () => TellParent(writer, FrameType.Usage, ProtocolJson.Serialize(live.Read().ToWire())));
        // The guest's output goes straight to the descriptors the parent handed over (the caller's own, or a pipe it
        // drains); only a broken stdout is reported, so that the parent can stop the guest as SIGPIPE would.
        var stdout = new HostFdStream(new SafeFileHandle(assignment.StdoutFd, ownsHandle: false), canRead: false, canWrite: true)
        {
            BrokenPipe = () => TellParent(writer, FrameType.OutputClosed),
        };
        var stderr = new HostFdStream(new SafeFileHandle(assignment.StderrFd, ownsHandle: false), canRead: false, canWrite: true);
        var trace = assignment.Trace
            ? new Wasmbox.Wasi.Tracing.TextTraceSink(new StreamWriter(stderr) { AutoFlush = true })
            : null;

        var opener = NetOpenerChoice.For(assignment, policy, out var skipNetCheck);
        var request = new RunRequest(assignment.ModulePath, assignment.Args, policy)
        {
            Argv0 = assignment.Argv0,
            PrecompiledArtifact = assignment.Precompiled ? assignment.ModulePath : null,
            ModuleSha256 = assignment.ModuleSha256,
            Stdio = new GuestStdio(new OutputTarget.ToStream(stdout), new OutputTarget.ToStream(stderr))
            {
                StdinOverride = pump.GuestStdin,
            },
            InheritedListeners = assignment.ListenerFds.Select(fd => new Socket(new SafeSocketHandle(fd, ownsHandle: true))).ToList(),
            SocketOpener = opener,
            SkipNetCheck = skipNetCheck,
            Trace = trace,
            Live = live,
            Refused = refusal => TellParent(writer, FrameType.Refused, ProtocolJson.Serialize(refusal)),
            CpuScope = CpuScope.Process,
            BeforeStart = () => writer.Write(FrameType.Started, []),
            StartedAt = startedAt,
            // The parent compiled the artifact for this choice; see TimeLimitStop.
            TimeLimitStop = assignment.EpochChecks ? TimeLimitStop.Unwind : TimeLimitStop.EndProcess,
            EndProcess = gate.SendAndExit,
        };
        var result = Sandbox.Run(request);
        return result.ToWire(PeakRss.OfThisProcess());
    }

    private static void TellParent(FrameWriter writer, FrameType type, byte[]? payload = null)
    {
        try { writer.Write(type, payload ?? []); }
        catch (IOException) { } // the parent is gone; nobody is left to tell
    }

    private static int Fatal(FrameWriter writer, string message)
    {
        try { writer.WriteFatal(message); }
        catch (IOException) { }
        return ProtocolErrorStatus;
    }
}
