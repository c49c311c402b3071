using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.State;

/// <summary>
/// The guest's file descriptor numbers. 0–2 are stdio, preopens follow from 3 in grant order, and a new descriptor
/// takes the number Wasmtime's preview1 would give it: the highest number freed so far, else one past the highest ever
/// used (docs/wasi-deviations.md, "descriptor numbers").
/// </summary>
/// <remarks>
/// Why not POSIX's lowest free number: real WASI programs are tested on Wasmtime, and some close fd 1 and then open a
/// file, expecting their later writes to "stdout" not to land in it; lowest-first gives that file fd 1.
/// </remarks>
/// <remarks>Used by one guest thread at a time (a store is never used concurrently), so it takes no lock.</remarks>
public sealed class FdTable : IDisposable
{
    private readonly List<WasiFd?> _slots = [];
    /// <summary>Numbers closed (or renumbered away from) and not handed out again; the highest goes first.</summary>
    private readonly SortedSet<int> _freed = [];
    private int _open;

    /// <param name="maxOpen">The <c>--max-open-files</c> quota, counting stdio and preopens; null for no quota.</param>
    public FdTable(int? maxOpen = null) => MaxOpen = maxOpen;

    public int? MaxOpen { get; }

    /// <summary>
    /// The context's interrupt, handed to every descriptor in the table (those added later too), so that a descriptor
    /// waiting for its host resource stops at the deadline.
    /// </summary>
    public CancellationToken Interrupt
    {
        get => _interrupt;
        set
        {
            _interrupt = value;
            foreach (var fd in _slots) fd?.Interrupt = value;
        }
    }

    private CancellationToken _interrupt;

    /// <summary>Number of open descriptors.</summary>
    public int Count => _open;

    /// <summary>Adds <paramref name="fd"/> at the highest freed number, else a fresh one; <see cref="Errno.Mfile"/> past the quota.</summary>
    public Errno Add(WasiFd fd, out int number)
    {
        number = -1;
        if (MaxOpen is { } max && _open >= max) return Errno.Mfile;
        int free;
        if (_freed.Count > 0)
        {
            free = _freed.Max;
            _freed.Remove(free);
        }
        else
        {
            free = _slots.Count;
            _slots.Add(null);
        }
        _slots[free] = fd;
        fd.Interrupt = _interrupt;
        _open++;
        number = free;
        return Errno.Success;
    }

    /// <summary>The descriptor at <paramref name="number"/>, or null when none is open there.</summary>
    public WasiFd? Get(int number) => number >= 0 && number < _slots.Count ? _slots[number] : null;

    /// <summary>Gets a descriptor of type <typeparamref name="T"/>; <see cref="Errno.Badf"/> when the number is not open, <paramref name="wrongType"/> when it is another kind.</summary>
    public Errno Get<T>(int number, out T fd, Errno wrongType = Errno.Badf) where T : WasiFd
    {
        switch (Get(number))
        {
            case T t: fd = t; return Errno.Success;
            case null: fd = null!; return Errno.Badf;
            default: fd = null!; return wrongType;
        }
    }

    /// <summary>Removes and disposes the descriptor at <paramref name="number"/>.</summary>
    public Errno Close(int number)
    {
        var fd = Get(number);
        if (fd is null) return Errno.Badf;
        _slots[number] = null;
        _freed.Add(number);
        _open--;
        fd.Dispose();
        return Errno.Success;
    }

    /// <summary>
    /// <c>fd_renumber(from, to)</c>: moves <paramref name="from"/> to <paramref name="to"/>, closing what was at
    /// <paramref name="to"/>. Both must be open (the spec's semantics; POSIX dup2 would allow a closed target).
    /// </summary>
    public Errno Renumber(int from, int to)
    {
        var source = Get(from);
        if (source is null || Get(to) is null) return Errno.Badf;
        if (from == to) return Errno.Success;
        _slots[to]!.Dispose();
        _slots[to] = source;
        _slots[from] = null;
        _freed.Add(from);
        _open--;
        return Errno.Success;
    }

    public void Dispose()
    {
        foreach (var fd in _slots) fd?.Dispose();
        _slots.Clear();
        _freed.Clear();
        _open = 0;
    }
}
