using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Jail.Workers;

/// <summary>Where one of the guest's output streams goes when it runs in a worker.</summary>
public abstract record WorkerOutput
{
    private WorkerOutput()
    {
    }

    /// <summary>
    /// A descriptor of the caller's (its own stdout, a file it opened). When it is safe to hand over (see
    /// <see cref="OutputPlumbing"/>), the worker writes to it itself and nothing passes through the parent; otherwise it
    /// is drained like a stream. The launcher duplicates it and never closes the caller's.
    /// </summary>
    public sealed record Descriptor(SafeFileHandle Handle) : WorkerOutput;

    /// <summary>A stream of this process (a capture, a log): the worker writes to a pipe that the parent drains into it in large reads.</summary>
    public sealed record ToStream(Stream Stream) : WorkerOutput;
}
