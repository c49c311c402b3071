using System.Runtime.InteropServices;

namespace Wasmbox.Worker;

/// <summary>Ends the worker at once with <c>_exit(2)</c>: no runtime shutdown, no finalizers.</summary>
/// <remarks>
/// Why: once the result frame is written, nothing is left to do, and the runtime's orderly shutdown (threads, the GC,
/// the Wasmtime engine's teardown) only delays the moment the parent can reap the worker and answer its caller.
/// Everything the worker writes goes out unbuffered (frames are flushed, guest output is plain write(2)).
/// </remarks>
internal static partial class ExitNow
{
    public static int With(int status)
    {
        Exit(status);
        return status; // not reached
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);
}
