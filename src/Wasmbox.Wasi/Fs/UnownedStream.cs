namespace Wasmbox.Wasi.Fs;

/// <summary>
/// Passes reads and writes to a stream that belongs to someone else, and leaves it open when disposed: the guest's fd
/// table disposes its descriptors at the end of a run, but a caller's capture stream outlives the run.
/// </summary>
/// <remarks>
/// A stdio descriptor looks through it at <see cref="Inner"/> only to write to a <see cref="HostFdStream"/> without the
/// extra call (<see cref="State.StreamFd"/>); what it decides about waiting is decided on this stream, as before.
/// </remarks>
public sealed class UnownedStream(Stream inner) : Stream
{
    /// <summary>The caller's stream, which this one never disposes.</summary>
    public Stream Inner { get; } = inner;

    public override bool CanRead => Inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => Inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => Inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => Inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => Inner.Read(buffer);
    public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => Inner.Write(buffer);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
