namespace Wasmbox.TestCommon;

/// <summary>Polls a probe until a condition holds or a limit passes: for tests that wait on other processes.</summary>
public static class Poll
{
    /// <summary>The last value of <paramref name="probe"/>: the first that satisfies <paramref name="done"/>, or the one read when <paramref name="limit"/> ran out.</summary>
    public static T Until<T>(Func<T> probe, Func<T, bool> done, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (true)
        {
            var value = probe();
            if (done(value) || DateTime.UtcNow > until) return value;
            Thread.Sleep(50);
        }
    }
}
