namespace Wasmbox.Supervisor.Events;

/// <summary>
/// Numbers that are not events but that the metrics show: set by the code that knows them, read at each scrape.
/// Thread-safe; zero until someone sets them.
/// </summary>
public sealed class SupervisorGauges
{
    private long _poolSize;

    /// <summary>Prepared workers waiting in the pool(s) (<c>wasmbox_pool_size</c>); 0 while the daemon has no pool.</summary>
    public long PoolSize => PoolSizeSource?.Invoke() ?? Interlocked.Read(ref _poolSize);

    /// <summary>Where <see cref="PoolSize"/> is read at each scrape, when the pool can say it itself.</summary>
    public Func<long>? PoolSizeSource { get; set; }

    /// <summary>The pool's counters for <c>/v1/info</c>, when the daemon has a pool.</summary>
    public Func<Wasmbox.Core.Api.PoolView>? PoolSource { get; set; }

    public void SetPoolSize(long size) => Interlocked.Exchange(ref _poolSize, size);
}
