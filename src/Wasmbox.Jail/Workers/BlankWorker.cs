using System.Diagnostics;
using Wasmbox.Core.Protocol;
using Wasmbox.Jail.Bubblewrap;

namespace Wasmbox.Jail.Workers;

/// <summary>
/// A jailed worker started for a <see cref="WorkerPoolKey"/> before any sandbox is known: spawned, and (once
/// <see cref="AwaitHello"/> said so) up and waiting for its assignment. <see cref="Complete"/> finishes its jail for one
/// job, after which <see cref="WorkerLauncher"/> converses with it exactly as with a worker it spawned itself.
/// </summary>
/// <remarks>
/// Lifetime: owned by the pool until taken, then by the one run that took it; <see cref="Dispose"/> kills the worker
/// if it is still there, removes its cgroup and its module folder. A blank worker serves one sandbox, never two.
/// </remarks>
internal sealed class BlankWorker : IDisposable
{
    private BlankWorker(Process process, Contain.Plan plan, OutputPlumbing outputs, WorkerPoolKey key)
    {
        Process = process;
        Plan = plan;
        Outputs = outputs;
        Key = key;
        Reader = new FrameReader(new BufferedStream(process.StandardOutput.BaseStream, 4096));
    }

    public Process Process { get; }
    public Contain.Plan Plan { get; }
    public OutputPlumbing Outputs { get; }
    public WorkerPoolKey Key { get; }

    /// <summary>The worker's frames; the hello has been read from it once <see cref="AwaitHello"/> succeeded.</summary>
    public FrameReader Reader { get; }

    /// <summary>True when the process is gone (it died while waiting in the pool).</summary>
    public bool HasExited
    {
        get
        {
            try { return Process.HasExited; }
            catch (InvalidOperationException) { return true; }
        }
    }

    /// <summary>Spawns a worker for <paramref name="key"/> in the jail <see cref="Contain.PrepareBlank"/> describes.</summary>
    /// <param name="workerArgs">The worker's arguments; by default the key's engine (the tests pass a self-check).</param>
    /// <exception cref="JailSetupException">A jail step cannot be done on this host.</exception>
    public static BlankWorker Start(WorkerPoolKey key, string stagingRoot, string name, IReadOnlyList<string>? workerArgs = null)
    {
        var found = WorkerBinary.Find();
        var worker = found with { JailCommand = [.. found.JailCommand, .. workerArgs ?? key.EngineArgs] };
        var plan = Contain.PrepareBlank(worker, WorkerLauncher.Bubblewrap, name, stagingRoot);
        OutputPlumbing? outputs = null;
        try
        {
            outputs = OutputPlumbing.PrepareCaptured();
            var process = WorkerLauncher.Spawn(plan.Argv, [.. plan.Inherited, .. outputs.Inherited], worker.Environment);
            outputs.Started();
            return new BlankWorker(process, plan, outputs, key);
        }
        catch
        {
            outputs?.Dispose();
            plan.Dispose();
            throw;
        }
    }

    /// <summary>Waits for the worker's hello; null when it came, else why the worker is unusable (it is then killed).</summary>
    public string? AwaitHello(TimeSpan limit)
    {
        using var startup = new Timer(_ => WorkerLauncher.KillWorker(Plan.Cgroup, Process), null, limit, Timeout.InfiniteTimeSpan);
        try
        {
            if (Reader.Read() is { Type: FrameType.Hello } hello)
            {
                ProtocolJson.ReadHello(hello.Payload.Span);
                return null;
            }
        }
        catch (Exception e) when (e is ProtocolException or IOException)
        {
            WorkerLauncher.KillWorker(Plan.Cgroup, Process);
            return $"the worker broke the protocol before its hello: {e.Message}";
        }
        WorkerLauncher.KillWorker(Plan.Cgroup, Process);
        string stderr;
        try
        {
            var rest = Process.StandardError.ReadToEndAsync();
            stderr = rest.Wait(TimeSpan.FromSeconds(2)) ? rest.Result : "";
        }
        catch (Exception e) when (e is IOException or InvalidOperationException) { stderr = ""; }
        var detail = WorkerLauncher.FirstLine(stderr);
        return $"the pooled worker did not start{(detail.Length == 0 ? "" : $": {detail}")}";
    }

    /// <summary>
    /// Finishes the jail for <paramref name="job"/>: copies its module into the worker's folder and raises the cgroup's
    /// memory limit to the job's. Returns the module's path in the jail.
    /// </summary>
    /// <exception cref="JailSetupException">The copy or the cgroup write failed.</exception>
    public string Complete(WorkerJob job)
    {
        var fileName = Contain.ModuleFileName(job);
        Plan.Folder!.Place(job.ModuleFile, fileName);
        Plan.Cgroup?.RaiseMemoryLimit(Cgroups.CgroupLimits.ForRun(job.Policy.Limits).MemoryBytes);
        return $"{JailLayout.ModuleDir}/{fileName}";
    }

    /// <summary>Called once when this worker is disposed (its pool starts the replacement then).</summary>
    public Action? Released { get; set; }

    public void Dispose()
    {
        var released = Interlocked.Exchange(ref _released, 1) == 0 ? Released : null;
        WorkerLauncher.KillWorker(Plan.Cgroup, Process);
        try { Process.WaitForExit(TimeSpan.FromSeconds(2)); }
        catch (InvalidOperationException) { }
        Process.Dispose();
        Outputs.Dispose();
        Plan.Dispose();
        released?.Invoke();
    }

    private int _released;
}
