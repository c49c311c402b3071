namespace Wasmbox.Jail.Net;

/// <summary>
/// A token bucket that answers with a wait instead of a refusal: a request may be read now while tokens are left, and
/// otherwise only after the wait the bucket needs to earn its token back. Not thread-safe (one broker loop owns it).
/// </summary>
/// <param name="burst">Tokens at most: requests served back to back after a quiet spell.</param>
/// <param name="perSecond">Tokens earned per second: the steady rate.</param>
internal sealed class TokenBucket(int burst, double perSecond, TimeProvider time)
{
    private double _tokens = burst;
    private long _last = time.GetTimestamp();

    /// <summary>Takes one token; how long to wait before the request it pays for is read (zero when one was there).</summary>
    public TimeSpan Take()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(burst, _tokens + time.GetElapsedTime(_last, now).TotalSeconds * perSecond);
        _last = now;
        _tokens -= 1;
        // Why a debt and not a refusal: the caller waits it off before reading on, so the debt is never more than one token.
        return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / perSecond);
    }
}
