using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// proc_exit / proc_raise: the two calls that may end the guest.
public sealed partial class WasiHost
{
    /// <summary>The statuses <c>proc_exit</c> accepts are [0, <see cref="ExitStatusLimit"/>).</summary>
    /// <remarks>Why: 126 and 127 are the shell's "cannot execute" and "not found", 128+n a death by signal n; a guest must not pass for those (docs/RATIONALE.md, "Why is <c>exit(0)</c> an exit, and <c>proc_exit(200)</c> a trap?").</remarks>
    public const uint ExitStatusLimit = 126;

    /// <summary><c>proc_exit(rval)</c>: ends the guest with exit status <paramref name="rval"/>. Never returns.</summary>
    /// <param name="memory">Unused.</param>
    /// <param name="rval">The exit status, 0 for success.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="WasiProcExit">Always, for <paramref name="rval"/> below 126: the runner reports an exit with that status.</exception>
    /// <exception cref="WasiTrap">For 126 and above ("exit with invalid exit status outside of [0..126)"), as Wasmtime does.</exception>
    /// <remarks>See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#proc_exit.</remarks>
    public Errno ProcExit(GuestMemory memory, uint rval)
    {
        if (rval >= ExitStatusLimit) throw new WasiTrap($"exit with invalid exit status outside of [0..{ExitStatusLimit}): {rval}");
        throw new WasiProcExit((int)rval);
    }

    /// <summary><c>proc_raise(sig)</c>: sends <paramref name="sig"/> to the guest itself, with the default action the spec gives it.</summary>
    /// <param name="memory">Unused.</param>
    /// <param name="sig">A <see cref="Signal"/>, 1 to 30.</param>
    /// <returns>
    /// <see cref="Errno.Success"/> for a signal whose default action is to be ignored (SIGPIPE, SIGCHLD, SIGURG, SIGWINCH)
    /// and for SIGCONT (the guest is not stopped, so it just continues); <see cref="Errno.Inval"/> for 0 (reserved) and
    /// for numbers that are no signal.
    /// </returns>
    /// <exception cref="WasiTrap">
    /// For every signal whose default action terminates the process (SIGTERM, SIGABRT, SIGKILL, …), and for the stop
    /// signals (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU). The message names the signal.
    /// </exception>
    /// <remarks>
    /// <para>Why this reading: a guest has no signal handlers (WASI has no way to install one; wasi-libc's emulated
    /// <c>signal()</c> handles <c>raise()</c> inside the guest without calling the host), so <c>proc_raise</c> can only
    /// mean the default action, which the spec lists per signal. Terminating is a death by signal, which a run reports
    /// as a trap, never as an exit status the guest chose. Wasmtime traps for every signal; we trap only where the
    /// default action ends the process and let the harmless ones succeed.</para>
    /// <para>Why stop signals trap: nothing in a sandbox could ever send SIGCONT, so a stopped guest would only hang
    /// until a limit killed it; ending it at once fails closed and says why.</para>
    /// <para>See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#proc_raise.</para>
    /// </remarks>
    public Errno ProcRaise(GuestMemory memory, uint sig)
    {
        if (!SignalInfo.IsRaisable(sig)) return Errno.Inval;
        var signal = (Signal)sig;
        return signal.DefaultAction() switch
        {
            SignalAction.Ignore or SignalAction.Continue => Errno.Success,
            SignalAction.Terminate => throw new WasiTrap($"proc_raise({signal.Name()}): the guest ended itself by a signal whose default action terminates the process"),
            SignalAction.Stop => throw new WasiTrap($"proc_raise({signal.Name()}): the guest asked to be stopped, and nothing in a sandbox could continue it"),
        };
    }
}
