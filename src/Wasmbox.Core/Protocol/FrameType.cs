namespace Wasmbox.Core.Protocol;

/// <summary>The first byte of a frame's body: what the rest of the body is. See <see cref="Frames"/> for the wire format.</summary>
/// <remarks>Parent-to-worker types are below 0x40, worker-to-parent types from 0x41, so a frame sent the wrong way is easy to spot in a dump.</remarks>
public enum FrameType : byte
{
    // parent → worker

    /// <summary>JSON <see cref="WorkerAssignment"/>: what to run and under which policy. Sent once, after <see cref="Hello"/>.</summary>
    Assign = 0x01,
    /// <summary>Raw bytes for the guest's fd 0.</summary>
    Stdin = 0x02,
    /// <summary>Empty: the guest's stdin is at end of file.</summary>
    StdinEnd = 0x03,
    /// <summary>Empty: stop the guest now (report it as killed).</summary>
    Stop = 0x04,
    /// <summary>Empty: send a <see cref="Usage"/> frame with what the guest has used so far (<c>wasmbox stats</c>, metrics).</summary>
    UsageAsk = 0x05,

    // worker → parent

    /// <summary>JSON <see cref="WorkerHello"/>: sent once, first, as soon as the worker is up (before any assignment).</summary>
    Hello = 0x41,
    /// <summary>Empty: the guest's <c>_start</c> is about to run (the parent arms its hard deadline from here).</summary>
    Started = 0x42,
    // 0x43 and 0x44 carried the guest's stdout and stderr in protocol 1; output now bypasses the frames
    // (docs/RATIONALE.md, "Why does guest output not travel in frames?"). Not reused, so an old dump still reads right.
    /// <summary>JSON <see cref="WorkerResult"/>: the last frame of a run.</summary>
    Result = 0x45,
    /// <summary>UTF-8 one-line message: the worker cannot do its job (bad assignment, protocol error); it exits after.</summary>
    Fatal = 0x46,
    /// <summary>Empty: the guest's stdout descriptor failed with EPIPE (its reader went away). The parent stops the guest,
    /// as SIGPIPE would stop a native program.</summary>
    OutputClosed = 0x47,
    /// <summary>JSON <see cref="WorkerUsage"/>: the answer to a <see cref="UsageAsk"/>; any number of them, each before the result.</summary>
    Usage = 0x48,
    /// <summary>JSON <see cref="Outcomes.Refusal"/>: a refusal the run's audit kept, as it happens (at most
    /// <see cref="Outcomes.RefusalAudit.MaxKept"/> per run; the result carries them all again).</summary>
    Refused = 0x49,
}
