namespace Wasmbox.Core.Outcomes;

/// <summary>How a run ended, in terms a caller can act on. Build one with the factory methods.</summary>
/// <param name="Kind">Why it stopped.</param>
/// <param name="GuestExitCode">The guest's own exit code; set only for <see cref="OutcomeKind.Exited"/>.</param>
/// <param name="Trap">The trap code name (e.g. <c>MemoryOutOfBounds</c>); set only for <see cref="OutcomeKind.Trapped"/>.</param>
/// <param name="Message">One line for a person.</param>
/// <param name="Stage">The failed step; set only for <see cref="OutcomeKind.SetupFailed"/>.</param>
public sealed record RunOutcome(OutcomeKind Kind, int? GuestExitCode, string? Trap, string Message, SetupStage? Stage)
{
    /// <summary>Reserved exit statuses of <c>wasmbox run</c>, chosen to match <c>timeout(1)</c> and the shell's 128+signal.</summary>
    public const int TimeoutStatus = 124, SetupFailedStatus = 125, TrapStatus = 134, KilledStatus = 137;

    public static RunOutcome Exited(int code) => new(OutcomeKind.Exited, code, null, $"exited with code {code}", null);

    public static RunOutcome Trapped(string trap, string message) => new(OutcomeKind.Trapped, null, trap, message, null);

    public static RunOutcome TimedOut(TimeSpan limit) =>
        new(OutcomeKind.Timeout, null, null, $"stopped by the wall-clock limit of {Units.DurationText.Format(limit)}", null);

    public static RunOutcome CpuTimeExceeded(TimeSpan limit) =>
        new(OutcomeKind.Timeout, null, null, $"stopped by the CPU-time limit of {Units.DurationText.Format(limit)}", null);

    /// <summary>
    /// The signal that made wasmbox stop the sandbox (SIGTERM, SIGINT, SIGHUP sent to wasmbox itself); set only with
    /// <see cref="OutcomeKind.Killed"/>. wasmbox then exits with 128 + the signal, as a shell reports a process it ended.
    /// </summary>
    public int? Signal { get; init; }

    /// <summary>wasmbox was sent <paramref name="signal"/> and stopped the sandbox (killed its worker, cleaned up) before exiting.</summary>
    public static RunOutcome StoppedBySignal(int signal) =>
        new(OutcomeKind.Killed, null, null, $"stopped because wasmbox received {SignalName(signal)} (signal {signal})", null) { Signal = signal };

    /// <summary>The usual name of a signal number, e.g. SIGTERM for 15.</summary>
    public static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP", 2 => "SIGINT", 3 => "SIGQUIT", 9 => "SIGKILL", 15 => "SIGTERM",
        _ => $"signal {signal}",
    };

    /// <summary>The worker was killed by a signal that no limit explains (someone else's kill, a crash of the worker).</summary>
    public static RunOutcome Killed(string message) => new(OutcomeKind.Killed, null, null, message, null);

    public static RunOutcome OutOfFuel(ulong fuel) =>
        new(OutcomeKind.OutOfFuel, null, null, $"stopped after using its whole fuel budget of {fuel}", null);

    public static RunOutcome MemoryLimit(string message) => new(OutcomeKind.MemoryLimit, null, null, message, null);

    public static RunOutcome SetupFailed(SetupStage stage, string message) => new(OutcomeKind.SetupFailed, null, null, message, stage);

    /// <summary>The exit status of <c>wasmbox run</c> for this outcome (DESIGN.md §2).</summary>
    public int ExitStatus => Kind switch
    {
        OutcomeKind.Exited => GuestExitCode ?? 0,
        OutcomeKind.Trapped => TrapStatus,
        OutcomeKind.Timeout or OutcomeKind.OutOfFuel => TimeoutStatus,
        OutcomeKind.Killed when Signal is { } signal => 128 + signal,
        OutcomeKind.MemoryLimit or OutcomeKind.Killed => KilledStatus,
        OutcomeKind.SetupFailed => SetupFailedStatus,
    };
}
