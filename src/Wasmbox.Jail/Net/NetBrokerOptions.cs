using System.Net;

namespace Wasmbox.Jail.Net;

/// <summary>How much one broker serves and how long it waits; the defaults are what every jailed sandbox gets.</summary>
public sealed record NetBrokerOptions
{
    public static NetBrokerOptions Default { get; } = new();

    /// <summary>Requests served back to back before the rate applies.</summary>
    public int Burst { get; init; } = 1000;

    /// <summary>
    /// Requests per second in the long run. Why 5,000: a worker asks one request at a time, each costs the parent a
    /// socket and a connect (tens of µs) or a bounded DNS lookup, so this holds a flooding worker to a small share of a
    /// core, while a guest that makes thousands of short connections a second (a proxy, a load generator) is not slowed:
    /// at 200 a second (the first choice) the connect benchmark ran 90× slower than native, all of it the wait.
    /// </summary>
    public double PerSecond { get; init; } = 5000;

    /// <summary>How long one name lookup may take; past it the reply is <c>TimedOut</c>.</summary>
    public TimeSpan LookupTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a reply waits for room in a worker that does not read its replies before the broker gives up on it.</summary>
    public TimeSpan SendPatience { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The resolver; <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/> unless a test gives another.</summary>
    public Func<string, CancellationToken, Task<IPAddress[]>>? Lookup { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>What one broker did, for the report and the tests.</summary>
/// <param name="Requests">Well-formed requests read.</param>
/// <param name="Refused">Requests the broker's own policy check refused.</param>
/// <param name="Malformed">Datagrams that were not a request.</param>
/// <param name="Throttled">Times the loop waited for the rate before reading on.</param>
public sealed record NetBrokerCounts(long Requests, long Refused, long Malformed, long Throttled);
