namespace Wasmbox.TestCommon;

/// <summary>
/// The system clock a minute ahead: to the module cache every file then looks settled (its ctime older than
/// <c>FileStamp.SettleTime</c>), so a test can see memos made without waiting seconds for a file to age.
/// </summary>
public sealed class SettledClock : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddMinutes(1);

    /// <summary>
    /// Longer than the coarse clock that stamps file times (a jiffy, ≤ 10 ms), so that a write after this lands in a
    /// later tick than the memo's stamp: what the real clock's settle time guarantees.
    /// </summary>
    public static void WaitForNextTick() => Thread.Sleep(50);
}
