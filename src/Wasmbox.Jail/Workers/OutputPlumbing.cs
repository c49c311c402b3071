using System.IO.Pipes;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Jail.Interop;

namespace Wasmbox.Jail.Workers;

/// <summary>
/// Gets the guest's stdout and stderr from a worker to where they go with no per-write copy through the parent: the
/// caller's own descriptor when it is safe to hand to the worker, else a pipe that a thread here drains in large reads.
/// </summary>
/// <remarks>
/// <para>What is handed over: a regular file, a pipe or FIFO, or a null device: descriptors through which the worker can
/// do nothing but write bytes where the guest's bytes go anyway. Never a terminal (its ioctls, TIOCSTI among them, would
/// let a broken worker type into the caller's shell), a socket, or any other device: those are drained.</para>
/// <para>Order: handed-over descriptors keep the guest's order by themselves (<c>2&gt;&amp;1</c> shares one open file).
/// Drained outputs that go to the same place (the same stream, or the same terminal on fd 1 and 2) share one pipe, so
/// stdout and stderr arrive in the order the guest wrote them.</para>
/// <para>Lifetime: <see cref="Prepare"/> before the spawn (the descriptors in <see cref="Inherited"/> go to the worker),
/// <see cref="Started"/> right after it (closes our copies, so a pipe ends when the worker does, and starts the drains),
/// <see cref="Finish"/> after the worker has exited (everything it wrote has then been delivered). A pooled worker gets
/// its pipes at its spawn, before anyone knows where its output goes (<see cref="PrepareCaptured"/>); the drains start
/// when the sandbox that takes it is known (<see cref="Attach"/>). The worker writes nothing to them before its
/// assignment.</para>
/// </remarks>
internal sealed class OutputPlumbing : IDisposable
{
    /// <summary>How much one read of a drained pipe takes at most.</summary>
    private const int DrainBuffer = 64 * 1024;

    /// <summary>A pipe this large lets a burst of small writes go by without waking the drain for each (the kernel may refuse: then the default).</summary>
    private const int PipeCapacity = 1 << 20;

    private readonly List<SafeHandle> _forWorker = [];
    private readonly List<Drain> _drains = [];

    private OutputPlumbing()
    {
    }

    /// <summary>The descriptors the worker must inherit; closed here by <see cref="Started"/>.</summary>
    public IReadOnlyList<SafeHandle> Inherited => _forWorker;

    /// <summary>How many pipes this side drains (0 when every output is handed over).</summary>
    public int DrainCount => _drains.Count;

    /// <summary>The guest's fd 1 as a descriptor number in the worker.</summary>
    public int StdoutFd { get; private set; }

    /// <summary>The guest's fd 2 as a descriptor number in the worker (may equal <see cref="StdoutFd"/>).</summary>
    public int StderrFd { get; private set; }

    /// <param name="stdoutWentAway">Called (from a drain thread) when writing the guest's stdout fails: its reader went away.</param>
    public static OutputPlumbing Prepare(WorkerOutput stdout, WorkerOutput stderr, Action stdoutWentAway)
    {
        var plumbing = new OutputPlumbing();
        try
        {
            plumbing.StdoutFd = plumbing.Connect(stdout, isStdout: true, stdoutWentAway);
            plumbing.StderrFd = SameDrainedDestination(stdout, stderr)
                ? plumbing.StdoutFd
                : plumbing.Connect(stderr, isStdout: false, stdoutWentAway);
            return plumbing;
        }
        catch
        {
            plumbing.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Two pipes, stdout and stderr, whose destinations are given later by <see cref="Attach"/>: what a capture into two
    /// different streams gets from <see cref="Prepare"/>, made before the capture is known (a pooled worker's).
    /// </summary>
    public static OutputPlumbing PrepareCaptured()
    {
        var plumbing = new OutputPlumbing();
        try
        {
            plumbing.StdoutFd = plumbing.Keep(plumbing.AddDrain(null, false, null));
            plumbing.StderrFd = plumbing.Keep(plumbing.AddDrain(null, false, null));
            return plumbing;
        }
        catch
        {
            plumbing.Dispose();
            throw;
        }
    }

    /// <summary>Gives the pipes of <see cref="PrepareCaptured"/> their destinations and starts draining them.</summary>
    /// <param name="stdoutWentAway">As for <see cref="Prepare"/>.</param>
    public void Attach(Stream stdout, Stream stderr, Action stdoutWentAway)
    {
        if (_drains.Count != 2) throw new InvalidOperationException("only the pipes of PrepareCaptured take destinations later");
        _drains[0].Attach(stdout, stdoutWentAway);
        _drains[1].Attach(stderr, null);
    }

    /// <summary>Call right after the worker was spawned: closes our copies of its descriptors and starts draining.</summary>
    public void Started()
    {
        foreach (var handle in _forWorker) handle.Dispose();
        foreach (var drain in _drains) drain.Start();
    }

    /// <summary>Waits until every drain has seen the end of its pipe (all the worker wrote is delivered), at most <paramref name="limit"/>.</summary>
    public void Finish(TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        foreach (var drain in _drains) drain.Join(until - DateTime.UtcNow);
    }

    public void Dispose()
    {
        foreach (var handle in _forWorker) handle.Dispose();
        foreach (var drain in _drains) drain.Dispose();
    }

    /// <summary>Sets up one output and returns its descriptor number as the worker will have it.</summary>
    private int Connect(WorkerOutput output, bool isStdout, Action stdoutWentAway)
    {
        if (output is WorkerOutput.Descriptor { Handle: var caller } && CanHandOver(caller))
            return Keep(Duplicate(caller));

        var (target, owned) = output switch
        {
            WorkerOutput.ToStream s => (s.Stream, false),
            // A FileStream over a descriptor that cannot seek writes with write(2), as the caller's own program would.
            WorkerOutput.Descriptor d => ((Stream)new FileStream(Duplicate(d.Handle), FileAccess.Write, bufferSize: 0), true),
            _ => throw new ArgumentOutOfRangeException(nameof(output)),
        };
        return Keep(AddDrain(target, owned, isStdout ? stdoutWentAway : null));
    }

    /// <summary>A new pipe drained into <paramref name="target"/> (or, when null, wherever <see cref="Attach"/> says); returns the worker's end.</summary>
    private SafeHandle AddDrain(Stream? target, bool owned, Action? wentAway)
    {
        var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        _ = Sys.Fcntl((int)pipe.SafePipeHandle.DangerousGetHandle(), Sys.F_SETPIPE_SZ, PipeCapacity);
        _drains.Add(new Drain(pipe, target, owned, wentAway));
        return pipe.ClientSafePipeHandle;
    }

    private int Keep(SafeHandle forWorker)
    {
        _forWorker.Add(forWorker);
        return (int)forWorker.DangerousGetHandle();
    }

    /// <summary>A close-on-exec duplicate above stdio: the spawn makes it inheritable for a moment (see FdHygiene).</summary>
    private static SafeFileHandle Duplicate(SafeFileHandle handle)
    {
        var fd = Sys.Fcntl((int)handle.DangerousGetHandle(), Sys.F_DUPFD_CLOEXEC, 3);
        if (fd < 0) throw new IOException($"cannot duplicate the output descriptor: errno {Marshal.GetLastPInvokeError()}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>True for a regular file, a pipe or FIFO, or a null device (character device 1:3).</summary>
    private static bool CanHandOver(SafeFileHandle handle) =>
        Stat(handle) is { } st && (st.Mode & Sys.S_IFMT) switch
        {
            Sys.S_IFREG or Sys.S_IFIFO => true,
            Sys.S_IFCHR => st is { RdevMajor: 1, RdevMinor: 3 },
            _ => false,
        };

    /// <summary>Both outputs will be drained into the same place: the same stream, or two descriptors of one file (a terminal on fd 1 and 2).</summary>
    private static bool SameDrainedDestination(WorkerOutput stdout, WorkerOutput stderr) => (stdout, stderr) switch
    {
        (WorkerOutput.ToStream a, WorkerOutput.ToStream b) => ReferenceEquals(a.Stream, b.Stream),
        (WorkerOutput.Descriptor a, WorkerOutput.Descriptor b) when !CanHandOver(a.Handle) && !CanHandOver(b.Handle) =>
            Stat(a.Handle) is { } x && Stat(b.Handle) is { } y
            && (x.DevMajor, x.DevMinor, x.Ino) == (y.DevMajor, y.DevMinor, y.Ino),
        _ => false,
    };

    private static unsafe Sys.DescriptorStat? Stat(SafeFileHandle handle)
    {
        Sys.DescriptorStat st;
        return Sys.StatDescriptor((int)handle.DangerousGetHandle(), "", Sys.AT_EMPTY_PATH, Sys.STATX_TYPE | Sys.STATX_INO, &st) == 0 ? st : null;
    }

    /// <summary>One pipe from the worker, copied into its destination by a thread of its own.</summary>
    private sealed class Drain(AnonymousPipeServerStream pipe, Stream? target, bool ownsTarget, Action? wentAway) : IDisposable
    {
        private Thread? _thread;

        /// <summary>Closes our copy of the worker's end; starts draining when the destination is known.</summary>
        public void Start()
        {
            pipe.DisposeLocalCopyOfClientHandle();
            if (target is not null) StartThread();
        }

        public void Attach(Stream destination, Action? destinationWentAway)
        {
            if (target is not null || _thread is not null) throw new InvalidOperationException("this output already has a destination");
            target = destination;
            wentAway = destinationWentAway;
            StartThread();
        }

        private void StartThread()
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "wasmbox-worker-output" };
            _thread.Start();
        }

        public void Join(TimeSpan limit) => _thread?.Join(limit > TimeSpan.Zero ? limit : TimeSpan.Zero);

        public void Dispose()
        {
            pipe.Dispose();
            if (ownsTarget) target?.Dispose();
        }

        private void Run()
        {
            var buffer = new byte[DrainBuffer];
            var broken = false;
            try
            {
                int n;
                while ((n = pipe.Read(buffer)) > 0)
                {
                    // After the destination failed, keep reading (and dropping), so the worker never blocks on a full
                    // pipe before it is stopped.
                    if (broken) continue;
                    try
                    {
                        target!.Write(buffer, 0, n);
                        target.Flush();
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
                    {
                        // Whoever reads the destination went away (`wasmbox run … | head`): a native program would get
                        // SIGPIPE; the launcher stops the guest.
                        broken = true;
                        wentAway?.Invoke();
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // Our end was closed: the run is over.
            }
        }
    }
}
