using System.Runtime.InteropServices;
using NativeSys = Wasmbox.Wasi.Net.Interop.Sys;

namespace Wasmbox.Wasi.Fs;

/// <summary>
/// How a host call that could block or run long keeps to the deadline: every wait for a host descriptor goes through
/// <see cref="WaitReady"/>, and every long copy moves at most <see cref="ChunkBytes"/> between two checks of
/// <see cref="WasiContext.Interrupt"/>.
/// </summary>
/// <remarks>
/// Why: the engine's epoch deadline stops wasm code only. A guest blocked in read(2) on a silent stdin or FIFO, or
/// filling 2 GiB with random bytes, is in the host, where nothing but this token can reach it (docs/SECURITY.md,
/// "Blocking calls and the deadline").
/// </remarks>
internal static class Blocking
{
    /// <summary>The most a chunked copy (random_get, a read or write of a regular file) moves between two checks: about a millisecond of work.</summary>
    public const int ChunkBytes = 1 << 20;

    /// <summary>
    /// Longest a wait goes without looking at the token. Why slices rather than an eventfd the token signals: a slice
    /// needs no descriptor of its own (a guest at <c>--max-open-files</c> must still be stoppable) and no registration
    /// to undo; it costs one wake-up per 10 ms while a guest waits, and makes the stop at most 10 ms late.
    /// </summary>
    public const int SliceMilliseconds = 10;

    /// <summary>The most bytes one write may move to a pipe that polled writable and still never block (PIPE_BUF).</summary>
    public const int PipeBuf = 4096;

    private const int EINTR = 4;

    /// <summary>
    /// Waits until <paramref name="handle"/> polls with one of <paramref name="events"/> (or an error or hang-up, which
    /// the following call will report), without a limit when <paramref name="interrupt"/> cannot be cancelled.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="interrupt"/> fired (checked before the first wait too).</exception>
    public static unsafe void WaitReady(SafeHandle handle, short events, CancellationToken interrupt)
    {
        var timeout = interrupt.CanBeCanceled ? SliceMilliseconds : -1;
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var pfd = new NativeSys.PollFd { Fd = (int)handle.DangerousGetHandle(), Events = events };
            while (true)
            {
                interrupt.ThrowIfCancellationRequested();
                pfd.Revents = 0;
                var n = NativeSys.Poll(&pfd, 1, timeout);
                if (n > 0) return;
                // A failing poll (not EINTR) is left to the read or write that follows, which reports its own errno.
                if (n < 0 && Marshal.GetLastPInvokeError() != EINTR) return;
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
