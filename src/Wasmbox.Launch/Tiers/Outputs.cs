using Microsoft.Win32.SafeHandles;
using Wasmbox.Jail.Workers;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Launch.Tiers;

/// <summary>Opens an <see cref="OutputTarget"/>: for the worker tiers as what is handed to the worker, or as a stream of ours.</summary>
internal static class Outputs
{
    /// <summary>As a stream of this process (the in-process tier's trace lines), and whether the caller must dispose it.</summary>
    public static (Stream Stream, bool Owned) OpenStream(OutputTarget target, int inheritFd) => target switch
    {
        // Our own fd 1 or 2, written with plain write(2) so a closed reader shows as EPIPE (see HostFdStream).
        OutputTarget.Inherit => (new Wasi.Fs.HostFdStream(new SafeFileHandle(inheritFd, ownsHandle: false), canRead: false, canWrite: true), true),
        OutputTarget.ToFile file => (new FileStream(file.Path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0), true),
        OutputTarget.ToStream s => (s.Stream, false),
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    /// <summary>As the worker's output, and a handle the caller must dispose after the run (a file we opened; never the caller's own).</summary>
    public static (WorkerOutput Output, IDisposable? Owned) ForWorker(OutputTarget target, int inheritFd)
    {
        switch (target)
        {
            case OutputTarget.Inherit:
                // Our own fd 1 or 2: handed to the worker as it is when that is safe, so the guest writes to it directly.
                return (new WorkerOutput.Descriptor(new SafeFileHandle(inheritFd, ownsHandle: false)), null);
            case OutputTarget.ToFile file:
                var handle = File.OpenHandle(file.Path, FileMode.Create, FileAccess.Write, FileShare.Read);
                return (new WorkerOutput.Descriptor(handle), handle);
            case OutputTarget.ToStream s:
                return (new WorkerOutput.ToStream(s.Stream), null);
            default:
                throw new ArgumentOutOfRangeException(nameof(target));
        }
    }
}
