using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Wasi;
using Wasmtime;

namespace Wasmbox.Runtime.Wasi;

/// <summary>
/// Wasmbox's own WASI host (<see cref="Wasmbox.Wasi.Host.WasiHost"/>) bound to Wasmtime: the 46 imports are typed host
/// functions (about 30 ns per call, against 210 ns for untyped ones), and each one fetches the guest memory anew, since
/// memory may have moved since the last call.
/// </summary>
/// <remarks>
/// Exceptions from the host become traps (Wasmtime wraps them and keeps ours as the inner exception):
/// <see cref="WasiProcExit"/> ends the guest with an exit code, <see cref="WasiTrap"/> with a trap, and anything else
/// is a host bug that also traps, so the sandbox fails closed.
/// </remarks>
public sealed partial class WasmboxWasi : IWasiBinding
{
    public static WasmboxWasi Instance { get; } = new();

    private WasmboxWasi() { }

    public void Define(Linker linker)
    {
        DefineAll(linker);
        DefineWasix(linker);
    }

    public IWasiSession Configure(Store store, WasiContextSpec spec)
    {
        var streams = new List<Stream>();
        try
        {
            var options = new WasiOptions
            {
                Argv = spec.Argv,
                Env = spec.Policy.Env,
                Preopens = spec.Policy.Dirs,
                Stdin = spec.Stdio.StdinOverride ?? spec.Policy.Stdin switch
                {
                    StdinSource.Inherit => InheritedStream(0, FileAccess.Read),
                    // Unbuffered: bytes read ahead into a .NET buffer would be invisible to poll (State/StreamFd.cs).
                    StdinSource.FromFile f => new FileStream(f.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0),
                    _ => null,
                },
                Stdout = Open(spec.Stdio.Stdout, 1),
                Stderr = Open(spec.Stdio.Stderr, 2),
                Listeners = spec.InheritedListeners ?? OpenListeners(spec.Policy.Listen),
                Trace = spec.Trace,
                MaxOpenFiles = spec.Policy.Limits.MaxOpenFiles,
                MaxDiskWriteBytes = spec.Policy.Limits.MaxDiskWriteBytes,
                MaxOutputBytes = spec.Policy.Limits.MaxOutputBytes,
                DeterministicSeed = spec.Policy.DeterministicSeed,
                Net = spec.Policy.Net,
                MaxConnections = spec.Policy.Limits.MaxConnections,
                MaxNetBytes = spec.Policy.Limits.MaxNetBytes,
                SocketOpener = spec.SocketOpener,
                SkipNetCheck = spec.SkipNetCheck,
            };
            var context = new WasiContext(options) { Interrupt = spec.Interrupt };
            // Why: a guest blocked in accept or recv is in the kernel, out of reach of the engine's deadline.
            spec.Interrupt.Register(context.Sockets.AbortAll);
            var wasiStore = new WasiStore(new Wasmbox.Wasi.Host.WasiHost(context), spec.Trace);
            store.SetData(wasiStore);
            return new Session(context, wasiStore);
        }
        catch (Exception e) when (e is WasiSetupException or IOException or UnauthorizedAccessException)
        {
            throw new SetupException(SetupStage.Stdio, e.Message);
        }
    }

    /// <summary>The context of one run, and the quotas it hit.</summary>
    private sealed class Session(WasiContext context, WasiStore store) : IWasiSession
    {
        public IReadOnlyList<LimitKind> LimitsHit
        {
            get
            {
                var hit = new List<LimitKind>();
                if (context.Quotas.OpenFilesLimitHit) hit.Add(LimitKind.MaxOpenFiles);
                if (context.Quotas.DiskWriteLimitHit) hit.Add(LimitKind.MaxDiskWrite);
                if (context.Quotas.OutputLimitHit) hit.Add(LimitKind.MaxOutput);
                if (context.Quotas.ConnectionLimitHit) hit.Add(LimitKind.MaxConnections);
                if (context.Quotas.NetBytesLimitHit) hit.Add(LimitKind.MaxNetBytes);
                return hit;
            }
        }

        public RefusalAudit Refusals => context.Refusals.Snapshot();

        public NetUsage? Net => context.Options.Net.IsNone && context.Options.Listeners.Count == 0 ? null : context.Quotas.NetUsage;

        public GuestIo Io => new(context.Quotas.BytesRead, context.Quotas.BytesWritten, context.Quotas.OutputWritten,
            context.Quotas.LimitsDisk ? context.Quotas.DiskWritten : null);

        public int OpenFds => context.Fds.Count;

        public long MemoryBytesSeen => store.MemoryBytesSeen;

        public void OnRefusal(Action<Refusal> kept) => context.Refusals.Kept = kept;

        public void Dispose() => context.Dispose();
    }

    private static Stream Open(OutputTarget target, int inheritedFd) => target switch
    {
        OutputTarget.ToFile f => new FileStream(f.Path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0),
        OutputTarget.ToStream s => new Wasmbox.Wasi.Fs.UnownedStream(s.Stream),
        _ => InheritedStream(inheritedFd, FileAccess.Write),
    };

    /// <summary>
    /// This process's own fd 0, 1 or 2, not owned (closing it leaves ours open), with no buffer or offset of its own:
    /// see <see cref="Wasmbox.Wasi.Fs.HostFdStream"/> for why neither FileStream nor Console's streams will do.
    /// </summary>
    private static Stream InheritedStream(int fd, FileAccess access) =>
        new Wasmbox.Wasi.Fs.HostFdStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false),
            canRead: access == FileAccess.Read, canWrite: access == FileAccess.Write);

    /// <summary>Binds every <c>--listen</c> address; a busy port or a bad name is a setup failure naming the address.</summary>
    public static List<System.Net.Sockets.Socket> OpenListeners(IReadOnlyList<string> addresses)
    {
        var sockets = new List<System.Net.Sockets.Socket>();
        try
        {
            foreach (var text in addresses)
            {
                if (!Wasmbox.Wasi.Net.ListenAddress.TryParse(text, out var address, out var error))
                    throw new SetupException(SetupStage.Stdio, $"--listen {text}: {error}");
                sockets.Add(Wasmbox.Wasi.Net.ListenerSockets.Open(address));
            }
            return sockets;
        }
        catch (Wasmbox.Wasi.Net.ListenException e)
        {
            foreach (var s in sockets) s.Dispose();
            throw new SetupException(SetupStage.Stdio, e.Message);
        }
        catch
        {
            foreach (var s in sockets) s.Dispose();
            throw;
        }
    }
}
