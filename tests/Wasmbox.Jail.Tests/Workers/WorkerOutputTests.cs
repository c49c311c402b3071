using System.IO.Pipes;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Jail.Workers;

namespace Wasmbox.Jail.Tests.Workers;

/// <summary>
/// The guest's output in the worker tiers: handed over as the caller's own descriptor when that is safe, drained from a
/// pipe otherwise; byte-exact either way, in the guest's order, and a reader that goes away still stops the guest.
/// </summary>
[Collection(WorkerCollection.Name)]
public class WorkerOutputTests
{
    private static string Expected(int lines, Func<int, string> line) => string.Concat(Enumerable.Range(0, lines).Select(line));

    private static string Interleaved(int n) => Expected(n, i => $"out {i}\nerr {i}\n");

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    public void Drained_StdoutAndStderrIntoOneStream_KeepTheGuestsOrder(IsolationTier tier)
    {
        WorkerRuns.Require(tier);
        var both = new MemoryStream();

        var result = WorkerLauncher.Run(WorkerRuns.Job(Guests.C("interleave"), SandboxPolicy.DenyAll, "2000"), tier, new WorkerIo(null, both, both), stop: TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Exited(0), result.Outcome);
        Assert.Equal(Interleaved(2000), Encoding.UTF8.GetString(both.ToArray()));
    }

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    public void Drained_SeparateStreams_AreEachByteExact(IsolationTier tier)
    {
        WorkerRuns.Require(tier);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();

        var result = WorkerLauncher.Run(WorkerRuns.Job(Guests.C("interleave"), SandboxPolicy.DenyAll, "3000"), tier, new WorkerIo(null, stdout, stderr), stop: TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Exited(0), result.Outcome);
        Assert.Equal(Expected(3000, i => $"out {i}\n"), Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal(Expected(3000, i => $"err {i}\n"), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    public void HandedOver_OneFileForBoth_GetsEveryByteInTheGuestsOrder(IsolationTier tier)
    {
        // `wasmbox run … > log 2>&1`: one open file on fd 1 and 2, which the worker writes itself.
        WorkerRuns.Require(tier);
        using var tmp = new TempDir();
        var log = Path.Combine(tmp.Path, "log");
        using (var file = File.OpenHandle(log, FileMode.Create, FileAccess.Write))
        {
            var output = new WorkerOutput.Descriptor(file);
            var result = WorkerLauncher.Run(WorkerRuns.Job(Guests.C("interleave"), SandboxPolicy.DenyAll, "2000"), tier, new WorkerIo(null, output, output), stop: TestContext.Current.CancellationToken);
            Assert.Equal(RunOutcome.Exited(0), result.Outcome);
        }

        Assert.Equal(Interleaved(2000), File.ReadAllText(log));
    }

    [Fact]
    public void HandedOver_MaxOutput_IsExactAtTheBoundary()
    {
        WorkerRuns.RequireJail();
        using var tmp = new TempDir();
        var log = Path.Combine(tmp.Path, "log");
        var policy = SandboxPolicy.DenyAll with { Limits = SandboxLimits.None with { MaxOutputBytes = 1000 } };
        RunResult result;
        using (var file = File.OpenHandle(log, FileMode.Create, FileAccess.Write))
        {
            var output = new WorkerOutput.Descriptor(file);
            result = WorkerLauncher.Run(WorkerRuns.Job(Guests.C("output_flood"), policy, "100", "64"), IsolationTier.Jail, new WorkerIo(null, output, output), stop: TestContext.Current.CancellationToken);
        }

        Assert.Equal(RunOutcome.Exited(0), result.Outcome);
        Assert.Equal(1000, new FileInfo(log).Length);
        Assert.Contains(LimitKind.MaxOutput, result.Usage.LimitsHit);
    }

    [Theory]
    [InlineData(IsolationTier.Jail)]
    [InlineData(IsolationTier.Process)]
    public void HandedOverPipe_ReaderGoesAway_GuestIsStopped(IsolationTier tier)
    {
        // `wasmbox run flood.wasm | head -c 4096`: the worker holds the pipe itself; EPIPE there must stop the guest.
        WorkerRuns.Require(tier);
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        using var writeEnd = new SafeFileHandle(pipe.ClientSafePipeHandle.DangerousGetHandle(), ownsHandle: false);
        var reader = new Thread(() =>
        {
            var buffer = new byte[4096];
            var got = 0;
            while (got < buffer.Length) got += pipe.Read(buffer, got, buffer.Length - got);
            pipe.Dispose(); // the reader goes away
        });
        reader.Start();

        var job = WorkerRuns.Job(Guests.C("output_flood"), SandboxPolicy.DenyAll, "100000000", "64");
        var output = new WorkerOutput.Descriptor(writeEnd);
        var result = WorkerLauncher.Run(job, tier, new WorkerIo(null, output, new WorkerOutput.ToStream(new MemoryStream())), stop: TestContext.Current.CancellationToken);
        reader.Join();

        Assert.Equal(OutcomeKind.Killed, result.Outcome.Kind);
        Assert.Contains("stdout went away", result.Outcome.Message);
        Assert.Empty(WorkerRuns.LiveWorkers());
    }

    [Fact]
    public void Plumbing_RegularFileOrPipe_IsHandedOverNotDrained()
    {
        WorkerRuns.RequireLinux();
        using var tmp = new TempDir();
        using var file = File.OpenHandle(Path.Combine(tmp.Path, "out"), FileMode.Create, FileAccess.Write);
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        using var writeEnd = new SafeFileHandle(pipe.ClientSafePipeHandle.DangerousGetHandle(), ownsHandle: false);

        using var plumbing = OutputPlumbing.Prepare(new WorkerOutput.Descriptor(file), new WorkerOutput.Descriptor(writeEnd), () => { });

        Assert.Equal(0, plumbing.DrainCount);
        Assert.Equal(2, plumbing.Inherited.Count);
        Assert.NotEqual((int)file.DangerousGetHandle(), plumbing.StdoutFd); // a duplicate, never the caller's own descriptor
    }

    [Fact]
    public void Plumbing_Socket_IsDrainedNotHandedOver()
    {
        // A socket (or a terminal: not available in CI) could be used for more than writing; the worker never gets one.
        WorkerRuns.RequireLinux();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var socketFd = new SafeFileHandle(client.SafeHandle.DangerousGetHandle(), ownsHandle: false);

        using var plumbing = OutputPlumbing.Prepare(new WorkerOutput.Descriptor(socketFd), new WorkerOutput.Descriptor(socketFd), () => { });

        Assert.Equal(1, plumbing.DrainCount); // one pipe for both: the same socket, so the guest's order is kept
        Assert.Equal(plumbing.StdoutFd, plumbing.StderrFd);
    }
}
