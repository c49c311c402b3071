namespace Wasmbox.Supervisor.Table;

/// <summary>When a sandbox whose run ended is started again, as docker's <c>--restart</c> says it.</summary>
public enum RestartKind
{
    /// <summary>Never: the first run's end is the sandbox's end.</summary>
    No,
    /// <summary>After a run that did not exit with status 0 (a trap, a limit, a setup failure, a kill from outside), up to a number of retries if one is given.</summary>
    OnFailure,
    /// <summary>After every end but a kill through the supervisor.</summary>
    Always,
    /// <summary>As <see cref="Always"/>: a sandbox killed through the supervisor is final under both (see docs/RATIONALE.md).</summary>
    UnlessStopped,
}

/// <summary>
/// A sandbox's restart policy, <c>no | on-failure[:N] | always | unless-stopped</c>, and the backoff between its runs.
/// </summary>
/// <param name="MaxRetries">For <see cref="RestartKind.OnFailure"/>: how many restarts at most (null: no bound).</param>
public sealed record RestartPolicy(RestartKind Kind, int? MaxRetries = null)
{
    public static RestartPolicy No { get; } = new(RestartKind.No);

    /// <summary>The first backoff; each consecutive failed run doubles it.</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest backoff.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>A run at least this long resets the backoff: the sandbox was healthy, its next failure is a new one.</summary>
    public static readonly TimeSpan HealthyRun = TimeSpan.FromSeconds(60);

    /// <summary>The largest retry count <c>on-failure:N</c> takes.</summary>
    public const int MaxRetryCount = 1_000_000;

    /// <summary>The text form: what the CLI, the API and the database use.</summary>
    public override string ToString() => Kind switch
    {
        RestartKind.No => "no",
        RestartKind.OnFailure => MaxRetries is { } n ? $"on-failure:{n}" : "on-failure",
        RestartKind.Always => "always",
        RestartKind.UnlessStopped => "unless-stopped",
    };

    /// <summary>Parses the text form; <paramref name="error"/> says what is wrong, in the CLI's words.</summary>
    public static bool TryParse(string? text, out RestartPolicy policy, out string? error)
    {
        policy = No;
        error = null;
        switch (text)
        {
            case null or "" or "no": return true;
            case "on-failure": policy = new RestartPolicy(RestartKind.OnFailure); return true;
            case "always": policy = new RestartPolicy(RestartKind.Always); return true;
            case "unless-stopped": policy = new RestartPolicy(RestartKind.UnlessStopped); return true;
        }
        if (text.StartsWith("on-failure:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan("on-failure:".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && n is >= 0 and <= MaxRetryCount)
        {
            policy = new RestartPolicy(RestartKind.OnFailure, n);
            return true;
        }
        error = $"restart policy '{text}': write no, on-failure, on-failure:N (N from 0 to {MaxRetryCount:N0}), always or unless-stopped";
        return false;
    }

    /// <summary>Parses the text form of a stored policy.</summary>
    /// <exception cref="FormatException">Not a policy.</exception>
    public static RestartPolicy Parse(string text) => TryParse(text, out var policy, out var error) ? policy : throw new FormatException(error);

    /// <summary>
    /// Whether a run that ended in <paramref name="state"/> with <paramref name="exitStatus"/> is followed by another, after
    /// <paramref name="restartsSoFar"/> restarts. A kill through the supervisor never is.
    /// </summary>
    public bool Restarts(SandboxState state, int? exitStatus, bool killedThroughSupervisor, int restartsSoFar)
    {
        if (killedThroughSupervisor) return false;
        return Kind switch
        {
            RestartKind.No => false,
            RestartKind.OnFailure => !(state == SandboxState.Exited && exitStatus == 0) && (MaxRetries is not { } max || restartsSoFar < max),
            _ => true,
        };
    }

    /// <summary>
    /// The wait before the next run, given how many runs in a row failed quickly (1 for the first): 100 ms doubling up to
    /// 30 s. The supervisor counts a run of <see cref="HealthyRun"/> or more as healthy and starts counting again.
    /// </summary>
    public static TimeSpan Backoff(int consecutiveQuickEnds)
    {
        if (consecutiveQuickEnds <= 1) return FirstBackoff;
        var exponent = Math.Min(consecutiveQuickEnds - 1, 20);
        var delay = TimeSpan.FromTicks(FirstBackoff.Ticks << exponent);
        return delay > MaxBackoff ? MaxBackoff : delay;
    }
}
