using System.Diagnostics;
using System.Text;
using Wasmbox.Core.Protocol;
using Wasmbox.Jail.Workers;

namespace Wasmbox.Jail.Tests.Workers;

/// <summary>
/// The worker facing a broken parent: whatever arrives on its stdin, it answers with a Fatal frame and status 125, or
/// exits when the channel closes, and it never hangs.
/// </summary>
public class WorkerProtocolTests
{
    private sealed record WorkerExit(int ExitCode, IReadOnlyList<Frame> Frames, string Stderr);

    /// <summary>Starts the bare worker, writes <paramref name="input"/> to its stdin, closes it, and reads every frame it sends back.</summary>
    private static WorkerExit Feed(byte[] input)
    {
        var worker = WorkerBinary.Find();
        var start = new ProcessStartInfo(worker.HostCommand[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in worker.HostCommand.Skip(1)) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(input);
        process.StandardInput.Close();
        var frames = new List<Frame>();
        var reader = new FrameReader(process.StandardOutput.BaseStream);
        while (reader.Read() is { } frame) frames.Add(new Frame(frame.Type, frame.Payload.ToArray()));
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)), "the worker hung");
        return new WorkerExit(process.ExitCode, frames, stderr.Result);
    }

    private static void AssertFatal(WorkerExit exit, string says)
    {
        Assert.Equal(125, exit.ExitCode);
        Assert.Equal(FrameType.Hello, exit.Frames[0].Type);
        var fatal = Assert.Single(exit.Frames, f => f.Type == FrameType.Fatal);
        Assert.Contains(says, Encoding.UTF8.GetString(fatal.Payload.Span));
        Assert.DoesNotContain(exit.Frames, f => f.Type is FrameType.Started or FrameType.OutputClosed or FrameType.Result);
    }

    [Fact]
    public void Worker_GarbageInsteadOfAFrame_IsFatalNotAHang()
    {
        WorkerRuns.RequireLinux();
        AssertFatal(Feed("this is not a frame at all"u8.ToArray()), "protocol:");
    }

    [Fact]
    public void Worker_TruncatedFrame_IsFatal()
    {
        WorkerRuns.RequireLinux();
        var header = new byte[] { 100, 0, 0, 0, (byte)FrameType.Assign };
        AssertFatal(Feed([.. header, .. "{\"protocol\""u8.ToArray()]), "truncated");
    }

    [Fact]
    public void Worker_ChannelClosedBeforeTheAssignment_IsFatal()
    {
        WorkerRuns.RequireLinux();
        AssertFatal(Feed([]), "assignment");
    }

    [Fact]
    public void Worker_AssignmentOfAnotherVersion_IsRefusedNamingBothVersions()
    {
        WorkerRuns.RequireLinux();
        var json = """{"protocol":99,"module_path":"/x.wasm","precompiled":false,"module_sha256":"","argv0":"x","args":[],"policy":{"dirs":[],"env":[],"limits":{"max_memory_bytes":null,"fuel":null,"timeout_ms":null,"max_open_files":null,"max_disk_write_bytes":null,"max_output_bytes":null,"cpu_time_ms":null},"stdin":"none","deterministic_seed":null},"trace":false,"listener_fds":[],"stdout_fd":3,"stderr_fd":3,"spent_ms":0,"epoch_checks":false}"""u8.ToArray();
        var length = BitConverter.GetBytes((uint)(json.Length + 1));
        AssertFatal(Feed([.. length, (byte)FrameType.Assign, .. json]), "99");
    }

    [Fact]
    public void Worker_AssignmentWithARelativePath_IsRefused()
    {
        WorkerRuns.RequireLinux();
        var json = """{"protocol":3,"module_path":"x.wasm","precompiled":false,"module_sha256":"","argv0":"x","args":[],"policy":{"dirs":[{"host_path":"../etc","guest_path":"/etc","read_only":false}],"env":[],"limits":{"max_memory_bytes":null,"fuel":null,"timeout_ms":null,"max_open_files":null,"max_disk_write_bytes":null,"max_output_bytes":null,"cpu_time_ms":null,"max_connections":null,"max_net_bytes":null},"stdin":"none","deterministic_seed":null,"allow_net":[]},"trace":false,"listener_fds":[],"stdout_fd":3,"stderr_fd":3,"spent_ms":0,"epoch_checks":false}"""u8.ToArray();
        var length = BitConverter.GetBytes((uint)(json.Length + 1));
        var exit = Feed([.. length, (byte)FrameType.Assign, .. json]);
        Assert.Equal(125, exit.ExitCode);
        Assert.Contains(exit.Frames, f => f.Type == FrameType.Fatal);
    }
}
