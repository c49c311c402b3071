using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.State;

namespace Wasmbox.Wasi;

/// <summary>
/// The WASI state of one guest: its argv and environment, its descriptors, its clocks and random source, its quotas.
/// Created per run; disposing it closes every host resource the guest had open.
/// </summary>
public sealed partial class WasiContext : IDisposable
{
    public WasiContext(WasiOptions options)
    {
        Options = options;
        Fds = new FdTable(options.MaxOpenFiles);
        Quotas = new Quotas(options.MaxDiskWriteBytes, options.MaxOutputBytes)
        {
            MaxConnections = options.MaxConnections,
            MaxNetBytes = options.MaxNetBytes,
        };
        AddOrThrow(new StreamFd(options.Stdin, writable: false, Quotas));
        AddOrThrow(new StreamFd(options.Stdout, writable: true, Quotas));
        AddOrThrow(new StreamFd(options.Stderr, writable: true, Quotas));
        foreach (var grant in options.Preopens)
        {
            var errno = HostDirectoryFd.OpenPreopen(grant, out var dir);
            if (errno != Errno.Success)
                throw new WasiSetupException($"cannot open the grant {grant.HostPath}: {errno.Name()}; check that it exists and is readable");
            AddOrThrow(dir);
        }
        AddListeners();
    }

    public WasiOptions Options { get; }

    public FdTable Fds { get; }

    public Quotas Quotas { get; }

    /// <summary>The policy refusals of this run (the audit trail).</summary>
    public RefusalLog Refusals { get; } = new();

    private void AddOrThrow(WasiFd fd)
    {
        if (Fds.Add(fd, out _) != Errno.Success)
        {
            fd.Dispose();
            throw new WasiSetupException($"--max-open-files {Options.MaxOpenFiles} leaves no room for stdio and the {Options.Preopens.Count} grants; raise it");
        }
    }

    public void Dispose() => Fds.Dispose();
}

/// <summary>The guest's WASI world cannot be built (a grant cannot be opened, a quota too small for stdio).</summary>
public sealed class WasiSetupException(string message) : Exception(message);
