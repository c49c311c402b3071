using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.State;

/// <summary>
/// One open guest file descriptor: a host file, a directory, a stdio stream or a socket.
/// </summary>
/// <remarks>
/// Abstract-first, as wasi-common's <c>WasiFile</c>: every operation defaults to the errno the spec gives for a
/// descriptor that cannot do it (<see cref="Errno.Badf"/> for most, <see cref="Errno.Notsock"/> for sockets,
/// <see cref="Errno.Notdir"/> for path operations), so a file is not a socket unless it says so. The kinds are
/// split over partial files by concern (<c>WasiFd.Files.cs</c>, <c>WasiFd.Sockets.cs</c>, …); each subclass
/// overrides what it supports.
/// </remarks>
public abstract partial class WasiFd : IDisposable
{
    /// <summary>The file type reported by <c>fd_fdstat_get</c> and <c>fd_filestat_get</c>.</summary>
    public abstract Filetype Filetype { get; }

    /// <summary>
    /// The context's <see cref="WasiContext.Interrupt"/>, given by the <see cref="FdTable"/> that holds this descriptor:
    /// a read, write, accept or receive that waits for the host descriptor gives up when it fires
    /// (<see cref="Fs.Blocking"/>).
    /// </summary>
    public CancellationToken Interrupt { get; internal set; }

    /// <summary>Closes the host resource. Called once, by <see cref="FdTable"/>, when the last number for it is closed.</summary>
    public virtual void Dispose() { }
}
