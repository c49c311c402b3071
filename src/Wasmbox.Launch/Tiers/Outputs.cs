using Microsoft.Win32.SafeHandles;
using Wasmbox.Runtime.Wasi;
using Wasmbox.Wasi.Fs;

namespace Wasmbox.Launch.Tiers;

/// <summary>Opens an <see cref="OutputTarget"/> as a stream for the worker tiers, which write the guest's output themselves.</summary>
internal static class Outputs
{
    /// <summary>The stream, and whether the caller must dispose it (a file we opened; never the caller's own stream).</summary>
    public static (Stream Stream, bool Owned) Open(OutputTarget target, int inheritFd) => target switch
    {
        // Our own fd 1 or 2, written with plain write(2) so a closed reader shows as EPIPE (see HostFdStream).
        OutputTarget.Inherit => (new HostFdStream(new SafeFileHandle(inheritFd, ownsHandle: false), canRead: false, canWrite: true), true),
        OutputTarget.ToFile file => (new FileStream(file.Path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0), true),
        OutputTarget.ToStream s => (s.Stream, false),
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };
}
