using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Launch.Modules;
using Wasmbox.Runtime;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Wasi;
using Wasmbox.Wasi.Tracing;

namespace Wasmbox.Launch.Tiers;

/// <summary>
/// Tier <c>none</c>: the module is compiled by a bounded compile worker (never in this process), then runs here on
/// <see cref="Sandbox.Run"/>. For embedding code its caller trusts, and for tests.
/// </summary>
internal static class InProcessTier
{
    public static RunResult Run(LaunchRequest request, CancellationToken stop)
    {
        var timeLimitStop = request.EndProcess is null ? TimeLimitStop.Unwind : TimeLimitStop.EndProcess;
        var prepared = ModulePreparation.Prepare(request.ModulePath, request.Policy, IsolationTier.None, request.Cache, stop,
            timeLimitStop);
        if (prepared.Failure is { } failure) return failure;
        StreamWriter? traceWriter = null;
        (Stream Stream, bool Owned) traceTarget = default;
        try
        {
            if (request.Trace)
            {
                traceTarget = Outputs.OpenStream(request.Stderr, 2);
                traceWriter = new StreamWriter(traceTarget.Stream) { AutoFlush = true };
            }
            return Sandbox.Run(new RunRequest(request.ModulePath, request.Args, request.Policy)
            {
                Argv0 = request.Argv0,
                PrecompiledArtifact = prepared.File,
                ModuleSha256 = prepared.Sha256,
                Wasi = request.Wasi,
                Stdio = new GuestStdio(request.Stdout, request.Stderr),
                Trace = traceWriter is null ? null : new TextTraceSink(traceWriter),
                Stop = stop,
                TimeLimitStop = timeLimitStop,
                EndProcess = request.EndProcess,
                Refused = request.Refused,
            });
        }
        finally
        {
            traceWriter?.Dispose();
            if (traceTarget.Owned) traceTarget.Stream!.Dispose();
            ModulePreparation.Discard(prepared);
        }
    }
}
