using System.IO.Pipes;
using Wasmbox.Core.Protocol;

namespace Wasmbox.Worker;

/// <summary>
/// Reads the parent's frames after the assignment, on a thread of its own: stdin bytes go into a pipe that is the guest's
/// fd 0, <see cref="FrameType.StdinEnd"/> closes it, <see cref="FrameType.UsageAsk"/> is answered with the guest's counters,
/// and <see cref="FrameType.Stop"/> or the parent's end of stream ends this worker at once.
/// </summary>
/// <remarks>
/// Why a real pipe and not a queue: the WASI host answers <c>poll_oneoff</c> on stdin with <c>poll(2)</c> and
/// <c>FIONREAD</c> on a descriptor, so a pipe keeps stdin readiness exact. Why exit on end of stream: a parent that died
/// (or closed our stdin) can no longer receive a result, and a worker must never outlive its parent.
/// </remarks>
internal sealed class ControlPump
{
    /// <summary>Exit status when the parent asked us to stop or went away: as if killed (128 + SIGKILL).</summary>
    public const int StoppedStatus = 137;

    private readonly FrameReader _reader;
    private readonly Action _answerUsage;
    private readonly AnonymousPipeServerStream? _stdinWriter;

    private ControlPump(FrameReader reader, bool stdinFromFrames, Action answerUsage)
    {
        _reader = reader;
        _answerUsage = answerUsage;
        if (stdinFromFrames)
        {
            _stdinWriter = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
            GuestStdin = new AnonymousPipeClientStream(PipeDirection.In, _stdinWriter.ClientSafePipeHandle);
        }
    }

    /// <summary>The guest's fd 0 when stdin comes in frames; null when the guest has none.</summary>
    public Stream? GuestStdin { get; }

    /// <param name="answerUsage">Sends a <see cref="FrameType.Usage"/> frame; called on the pump's thread for each <see cref="FrameType.UsageAsk"/>.</param>
    public static ControlPump Start(FrameReader reader, bool stdinFromFrames, Action<string> fatal, Action answerUsage)
    {
        var pump = new ControlPump(reader, stdinFromFrames, answerUsage);
        new Thread(() => pump.Run(fatal)) { IsBackground = true, Name = "wasmbox-worker-control" }.Start();
        return pump;
    }

    private void Run(Action<string> fatal)
    {
        try
        {
            while (_reader.Read() is { } frame)
            {
                switch (frame.Type)
                {
                    case FrameType.Stdin when _stdinWriter is not null:
                        WriteStdin(frame.Payload.Span);
                        break;
                    case FrameType.StdinEnd when _stdinWriter is not null:
                        _stdinWriter.Dispose();
                        break;
                    case FrameType.Stop:
                        Environment.Exit(StoppedStatus);
                        break;
                    case FrameType.UsageAsk:
                        _answerUsage();
                        break;
                    default:
                        fatal($"protocol: unexpected {frame.Type} frame from the parent during a run");
                        return;
                }
            }
        }
        catch (ProtocolException e)
        {
            fatal(e.Message);
            return;
        }
        catch (IOException)
        {
            // Our stdin broke: same as the end of stream below.
        }
        Environment.Exit(StoppedStatus);
    }

    private void WriteStdin(ReadOnlySpan<byte> bytes)
    {
        try { _stdinWriter!.Write(bytes); }
        catch (IOException) { } // the guest closed its stdin; the bytes have no reader
        catch (ObjectDisposedException) { }
    }
}
