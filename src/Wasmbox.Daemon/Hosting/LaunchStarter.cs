using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Workers;
using Wasmbox.Launch;
using Wasmbox.Runtime.Wasi;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Daemon.Hosting;

/// <summary>
/// The supervisor's seam filled with the library entry point: every sandbox the daemon spawns goes through
/// <see cref="SandboxLauncher"/>, in its own worker (the operator's ceilings keep tier <c>none</c> out unless allowed),
/// with its output into the log store and its stdin, when given, from a private file. With <c>--pool</c>, a sandbox that
/// fits the pool's key takes a pre-started worker (<see cref="WorkerPool"/>), through the same launcher.
/// </summary>
internal sealed class LaunchStarter(string dataDir, WorkerPool? pool = null) : ISandboxStarter
{
    /// <summary>
    /// The daemon's pool: workers for its likeliest sandbox, metered when <c>--max-fuel</c> is set (every sandbox then
    /// states its fuel), else not. Module copies are staged in the data dir, beside the cache.
    /// </summary>
    public static WorkerPool OpenPool(DaemonSettings settings) =>
        new(settings.Pool, new WorkerPoolKey(Fuel: settings.Ceilings.MaxFuel is not null), Path.Combine(settings.DataDir, "pool"),
            message => Console.Error.WriteLine("wasmbox: " + message));

    private readonly ModuleCache _cache = new(Path.Combine(dataDir, "cache"));
    private readonly string _stdinDir = Path.Combine(dataDir, "stdin");

    public IStartedSandbox Start(SandboxStartRequest request)
    {
        string? stdinFile = null;
        // Why set the tier: the ceilings were checked against it (no tier = the jail), so the launcher must not fall back
        // to another one on its own; a jail that cannot start is then a failed sandbox, not an unjailed one.
        var policy = request.Policy with { Isolation = request.Policy.Isolation ?? IsolationTier.Jail };
        if (request.Stdin is { } bytes)
        {
            Directory.CreateDirectory(_stdinDir);
            stdinFile = Path.Combine(_stdinDir, request.Id);
            File.WriteAllBytes(stdinFile, bytes);
            policy = policy with { Stdin = new StdinSource.FromFile(stdinFile) };
        }
        else
        {
            // Why: the daemon's own stdin is nobody's; a spawned sandbox reads end of file unless given a stdin.
            policy = policy with { Stdin = new StdinSource.None() };
        }
        var handle = SandboxLauncher.Start(new LaunchRequest(request.ModuleFile, request.Args, policy)
        {
            Argv0 = request.Argv0,
            Cache = _cache,
            Stdout = new OutputTarget.ToStream(request.Stdout),
            Stderr = new OutputTarget.ToStream(request.Stderr),
            Pool = pool,
            Refused = request.Refused,
        });
        return new Started(handle, stdinFile);
    }

    private sealed class Started : IStartedSandbox
    {
        private readonly SandboxHandle _handle;

        public Started(SandboxHandle handle, string? stdinFile)
        {
            _handle = handle;
            Completion = Finish(handle, stdinFile);
        }

        public Task<RunResult> Completion { get; }

        public string? WorkerInfo => $"tier {_handle.Tier.Name()}";

        public void Kill() => _handle.Kill();

        public LiveUsage? Sample() => _handle.Sample();

        public Task RefreshAsync(TimeSpan wait, CancellationToken cancel) => _handle.RefreshAsync(wait, cancel);

        private static async Task<RunResult> Finish(SandboxHandle handle, string? stdinFile)
        {
            try { return await handle.Completion.ConfigureAwait(false); }
            finally
            {
                if (stdinFile is not null)
                {
                    try { File.Delete(stdinFile); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
                }
                handle.Dispose();
            }
        }
    }
}
