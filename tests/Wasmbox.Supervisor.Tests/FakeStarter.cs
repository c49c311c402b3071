using System.Collections.Concurrent;
using System.Text;
using Wasmbox.Core.Outcomes;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Supervisor.Tests;

/// <summary>A starter whose guests do what the test says: print, end with an outcome, hang until killed, or fail to start.</summary>
internal sealed class FakeStarter : ISandboxStarter
{
    /// <summary>The latest run of each sandbox (a restart replaces it).</summary>
    public ConcurrentDictionary<string, FakeSandbox> Started { get; } = new();

    /// <summary>Every run started, in order.</summary>
    public ConcurrentQueue<FakeSandbox> Runs { get; } = new();

    /// <summary>What the next guests do; the default hangs until killed.</summary>
    public Func<SandboxStartRequest, FakeSandbox> Behaviour { get; set; } = r => FakeSandbox.Hang(r);

    public IStartedSandbox Start(SandboxStartRequest request)
    {
        var sandbox = Behaviour(request);
        Started[request.Id] = sandbox;
        Runs.Enqueue(sandbox);
        return sandbox;
    }

    public void KillAll()
    {
        foreach (var s in Started.Values) s.Kill();
    }
}

internal sealed class FakeSandbox : IStartedSandbox
{
    private readonly TaskCompletionSource<RunResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FakeSandbox(SandboxStartRequest request) => Request = request;

    public SandboxStartRequest Request { get; }

    public int Kills;

    public Task<RunResult> Completion => _done.Task;

    public string? WorkerInfo => "fake worker";

    public void Kill()
    {
        Interlocked.Increment(ref Kills);
        End(RunOutcome.Killed("killed through the supervisor"));
    }

    public void End(RunOutcome outcome) => End(outcome, ResourceUsage.Zero);

    public void End(RunOutcome outcome, ResourceUsage usage) => _done.TrySetResult(new RunResult(outcome, usage, Request.ModuleSha256));

    public void End(RunResult result) => _done.TrySetResult(result);

    public void Fault(Exception e) => _done.TrySetException(e);

    public void Print(string stdout, string stderr = "")
    {
        Request.Stdout.Write(Encoding.UTF8.GetBytes(stdout));
        if (stderr.Length > 0) Request.Stderr.Write(Encoding.UTF8.GetBytes(stderr));
    }

    public static FakeSandbox Hang(SandboxStartRequest r) => new(r);

    /// <summary>Prints, then ends with <paramref name="outcome"/> before Start returns.</summary>
    public static Func<SandboxStartRequest, FakeSandbox> Ends(RunOutcome outcome, string stdout = "", string stderr = "") => r =>
    {
        var s = new FakeSandbox(r);
        s.Print(stdout, stderr);
        s.End(outcome);
        return s;
    };
}
