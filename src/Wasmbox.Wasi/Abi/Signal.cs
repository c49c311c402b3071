namespace Wasmbox.Wasi.Abi;

/// <summary>Signal conditions (u8), in the spec's numbering, which is not Linux's. docs.md#signal</summary>
public enum Signal : byte
{
    /// <summary>No signal; reserved (POSIX gives <c>kill(pid, 0)</c> its own meaning).</summary>
    None = 0,
    Hup = 1,
    Int = 2,
    Quit = 3,
    Ill = 4,
    Trap = 5,
    Abrt = 6,
    Bus = 7,
    Fpe = 8,
    Kill = 9,
    Usr1 = 10,
    Segv = 11,
    Usr2 = 12,
    Pipe = 13,
    Alrm = 14,
    Term = 15,
    Chld = 16,
    Cont = 17,
    Stop = 18,
    Tstp = 19,
    Ttin = 20,
    Ttou = 21,
    Urg = 22,
    Xcpu = 23,
    Xfsz = 24,
    Vtalrm = 25,
    Prof = 26,
    Winch = 27,
    Poll = 28,
    Pwr = 29,
    Sys = 30,
}

/// <summary>What the spec says each signal does by default (its "Action:" lines).</summary>
public enum SignalAction
{
    Terminate,
    Ignore,
    /// <summary>"Continues executing, if stopped" (<see cref="Signal.Cont"/>).</summary>
    Continue,
    /// <summary>"Stops executing" (<see cref="Signal.Stop"/>, <see cref="Signal.Tstp"/>, <see cref="Signal.Ttin"/>, <see cref="Signal.Ttou"/>).</summary>
    Stop,
}

public static class SignalInfo
{
    /// <summary>Whether <paramref name="value"/> is a signal the guest may raise: 1 to 30 (<see cref="Signal.None"/> is reserved).</summary>
    public static bool IsRaisable(uint value) => value is >= (uint)Signal.Hup and <= (uint)Signal.Sys;

    /// <summary>The conventional name, e.g. <c>SIGTERM</c>, for traces and messages.</summary>
    public static string Name(this Signal signal) => signal == Signal.None ? "0" : "SIG" + signal.ToString().ToUpperInvariant();

    /// <summary>The default action the spec gives <paramref name="signal"/>.</summary>
    public static SignalAction DefaultAction(this Signal signal) => signal switch
    {
        Signal.Pipe or Signal.Chld or Signal.Urg or Signal.Winch => SignalAction.Ignore,
        Signal.Cont => SignalAction.Continue,
        Signal.Stop or Signal.Tstp or Signal.Ttin or Signal.Ttou => SignalAction.Stop,
        _ => SignalAction.Terminate,
    };
}
