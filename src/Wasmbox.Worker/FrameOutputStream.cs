using Wasmbox.Core.Protocol;

namespace Wasmbox.Worker;

/// <summary>
/// The guest's stdout or stderr: every write becomes one frame of <see cref="FrameType.Stdout"/> or
/// <see cref="FrameType.Stderr"/> to the parent, at once, so output keeps its order across the two streams and nothing
/// waits in a buffer when the worker is killed.
/// </summary>
internal sealed class FrameOutputStream(FrameWriter writer, FrameType type) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty) return;
        // A parent that went away shows up here as EPIPE, which the WASI host hands to the guest as its own EPIPE.
        writer.Write(type, buffer);
    }
}
