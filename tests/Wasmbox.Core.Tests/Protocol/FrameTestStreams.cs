namespace Wasmbox.Core.Tests.Protocol;

/// <summary>Raw frame bytes written by hand, so the tests check the wire format and not only the writer against the reader.</summary>
internal static class RawFrames
{
    public static byte[] Header(uint length) => BitConverter.IsLittleEndian
        ? BitConverter.GetBytes(length)
        : BitConverter.GetBytes(length).Reverse().ToArray();

    public static byte[] Frame(uint length, params byte[] body) => [.. Header(length), .. body];
}

/// <summary>A write-only stream that records every Write and Flush call.</summary>
internal sealed class RecordingStream : Stream
{
    public List<byte[]> Writes { get; } = [];
    public int Flushes { get; private set; }

    public byte[] All => Writes.SelectMany(w => w).ToArray();

    public override void Write(byte[] buffer, int offset, int count) => Writes.Add(buffer.AsSpan(offset, count).ToArray());
    public override void Write(ReadOnlySpan<byte> buffer) => Writes.Add(buffer.ToArray());
    public override void Flush() => Flushes++;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>A stream whose Write or Flush fails, as a pipe does when the reader has gone.</summary>
internal sealed class FailingStream(bool failOnFlush = false) : Stream
{
    public IOException Failure { get; } = new("Broken pipe");
    public int Writes { get; private set; }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Writes++;
        if (!failOnFlush) throw Failure;
    }

    public override void Flush()
    {
        if (failOnFlush) throw Failure;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>A read-only stream that returns at most one byte per Read, the worst a pipe may do.</summary>
internal sealed class TrickleStream(byte[] data) : Stream
{
    private int _at;

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_at == data.Length || count == 0) return 0;
        buffer[offset] = data[_at++];
        return 1;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
