using Wasmbox.Core.Caching;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Workers;
using Wasmbox.Runtime;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Modules;

namespace Wasmbox.Launch.Modules;

/// <summary>
/// Gets the compiled form of a module ready for a run in a tier, without ever compiling it in this process: from the
/// cache when an authentic entry of the right compile site is there, else from a bounded compile worker
/// (<see cref="CompileWorker"/>), jailed for a jailed run.
/// </summary>
/// <remarks>
/// Why the site follows the tier: code compiled in a jail may be the choice of a module that broke the compiler, so
/// only a jailed worker may run it; the in-process and process tiers run only code compiled outside any jail
/// (<see cref="CompileSite"/>, docs/SECURITY.md).
/// </remarks>
public static class ModulePreparation
{
    /// <summary>A ready module: the file the runner loads, whether it is an artifact, the module's SHA-256; or why not.</summary>
    /// <param name="TemporaryFile">An artifact made for this run alone (no cache), to delete when it is over.</param>
    public sealed record Prepared(string File, bool Precompiled, string Sha256, string? TemporaryFile, RunResult? Failure)
    {
        /// <summary>True when the artifact was in the cache already.</summary>
        public bool FromCache { get; init; }
    }

    public static CompileSite SiteFor(IsolationTier tier) => tier == IsolationTier.Jail ? CompileSite.Jail : CompileSite.Host;

    /// <param name="timeLimitStop">How the run stops a guest at its time limit, which decides the epoch checks; by default
    /// the tier's (<see cref="TimeLimitStops.In"/>).</param>
    /// <remarks>
    /// Without a cache the module is compiled all the same, by the same bounded compile worker, into a private artifact
    /// (<see cref="Prepared.TemporaryFile"/>; <see cref="Discard"/> it after the run). Why not let the run's worker
    /// compile it: then compiling would count against <c>--timeout</c> and the worker's start-up limit, and escape
    /// <c>--max-compile-time</c> and <c>--max-compile-memory</c> (issue 10 item 5).
    /// </remarks>
    public static Prepared Prepare(string modulePath, SandboxPolicy policy, IsolationTier tier, ModuleCache? cache,
        CancellationToken stop = default, TimeLimitStop? timeLimitStop = null)
    {
        // Neither the module nor a cached artifact is read in full when both are unchanged since an earlier run: the
        // cache's memos remember the module's hash and the entry's verification under each file's stamp (ModuleCache).
        // A refused policy leaves the cache folder as it was (the plain hash, no memo).
        var exposing = cache is null ? null : policy.Dirs.FirstOrDefault(d => cache.Overlaps(d.HostPath));
        string sha;
        try { sha = ModuleLoader.Sha256Of(modulePath, exposing is null ? cache : null); }
        catch (SetupException e) { return Fail(e.Stage, e.Message, null); }

        if (exposing is not null)
        {
            return Fail(SetupStage.Policy,
                $"{(exposing.ReadOnly ? "--ro-dir" : "--dir")} {exposing.HostPath} would give the guest the module cache ({cache!.Directory}); grant a folder that neither holds nor lies inside it, or move the cache with --cache-dir", sha);
        }

        var moduleFile = Path.GetFullPath(modulePath);

        var settings = EngineSettings.For(policy, timeLimitStop ?? TimeLimitStops.In(tier));
        var site = SiteFor(tier);
        var key = ModuleCache.Key(sha, settings.Fingerprint, site);
        if (cache?.TryGet(key) is { } cached) return new Prepared(cached, true, sha, null, null) { FromCache = true };

        // Before compiling (seconds for a large module, and its artifact in the cache): a module whose imports no sandbox
        // provides is refused from its import section alone.
        try { WasiCommandCheck.CheckImportSection(File.ReadAllBytes(moduleFile), modulePath); }
        catch (SetupException e) { return Fail(e.Stage, e.Message, sha); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // the compile step reads it again and says what is wrong

        var compiled = CompileWorker.Compile(moduleFile, modulePath, new CompileWorker.EngineFlags(settings.Fuel, settings.Epoch), site,
            CompileLimits.From(policy.Limits), stop);
        if (compiled.Artifact is not { } artifact)
        {
            var usage = ResourceUsage.Zero with { LimitsHit = compiled.LimitHit is { } hit ? [hit] : [] };
            return new Prepared(moduleFile, false, sha, null, new RunResult(compiled.Failure!, usage, sha));
        }
        if (cache is not null)
        {
            var written = cache.Put(key, artifact);
            return written is null
                ? Fail(SetupStage.Compile, $"cannot write the module cache in {cache.Directory}; make it writable, or pass --no-cache", sha)
                : new Prepared(written, true, sha, null, null);
        }
        var temp = PrivateTempFile(artifact);
        return new Prepared(temp, true, sha, temp, null);
    }

    /// <summary>Deletes a run's private artifact and its folder.</summary>
    public static void Discard(Prepared prepared)
    {
        if (prepared.TemporaryFile is not { } temp) return;
        try { Directory.Delete(Path.GetDirectoryName(temp)!, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>An artifact in a fresh folder only we can enter, for a run without a cache.</summary>
    private static string PrivateTempFile(byte[] artifact)
    {
        var dir = Directory.CreateTempSubdirectory("wasmbox-artifact-");
        var path = Path.Combine(dir.FullName, "module.cwasm");
        File.WriteAllBytes(path, artifact);
        return path;
    }

    private static Prepared Fail(SetupStage stage, string message, string? sha) =>
        new("", false, sha ?? "", null, new RunResult(RunOutcome.SetupFailed(stage, message), ResourceUsage.Zero, sha));
}
