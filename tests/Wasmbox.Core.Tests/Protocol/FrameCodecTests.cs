using System.Text;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Protocol;

namespace Wasmbox.Core.Tests.Protocol;

public class FrameCodecTests
{
    private static byte[] PayloadFor(FrameType type) => type switch
    {
        FrameType.StdinEnd or FrameType.Stop or FrameType.UsageAsk or FrameType.Started or FrameType.OutputClosed => [],
        FrameType.Hello => ProtocolJson.Serialize(new WorkerHello(Frames.ProtocolVersion, 7, "1.0")),
        FrameType.Assign => ProtocolJson.Serialize(WireSamples.Assignment()),
        FrameType.Result => ProtocolJson.Serialize(WireSamples.Result()),
        FrameType.Usage => ProtocolJson.Serialize(new GuestCounters(1 << 20, 5, 4, 0, new GuestIo(1, 2, 2, null), null).ToWire()),
        FrameType.Refused => ProtocolJson.Serialize(new Refusal("path_open", "'x': outside every grant", "notcapable")),
        FrameType.Fatal => "protocol: bad thing"u8.ToArray(),
        _ => [0, 1, 2, 0xFF, (byte)type],
    };

    private static List<(FrameType Type, byte[] Payload)> ReadAll(Stream stream)
    {
        var reader = new FrameReader(stream);
        var frames = new List<(FrameType, byte[])>();
        while (reader.Read() is { } frame)
            frames.Add((frame.Type, frame.Payload.ToArray()));
        return frames;
    }

    [Fact]
    public void Write_StdoutHi_IsLengthTypeThenPayload()
    {
        var stream = new RecordingStream();
        new FrameWriter(stream).Write(FrameType.Stdin, "hi"u8);
        Assert.Equal([3, 0, 0, 0, 0x02, (byte)'h', (byte)'i'], stream.All);
    }

    [Fact]
    public void Write_EveryFrameType_ReadsBackSameTypeAndPayload()
    {
        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        var types = Enum.GetValues<FrameType>();
        foreach (var type in types)
            writer.Write(type, PayloadFor(type));

        stream.Position = 0;
        var frames = ReadAll(stream);

        Assert.Equal(types, frames.Select(f => f.Type));
        foreach (var (type, payload) in frames)
            Assert.Equal(PayloadFor(type), payload);
    }

    [Fact]
    public void Write_OneFrame_IsOneWriteCallThenFlush()
    {
        var stream = new RecordingStream();
        var writer = new FrameWriter(stream);
        writer.Write(FrameType.Stdin, new byte[100_000]);
        writer.Write(FrameType.Started, []);
        writer.WriteJson(FrameType.Hello, new WorkerHello(1, 2, "v"));

        Assert.Equal(3, stream.Writes.Count);
        Assert.Equal(5 + 100_000, stream.Writes[0].Length);
        Assert.Equal(5, stream.Writes[1].Length);
        Assert.Equal(3, stream.Flushes);
    }

    [Fact]
    public void Write_MaxSizeDataFrame_IsOneFrameOfMaxLength()
    {
        var payload = new byte[Frames.MaxPayloadLength];
        new Random(1).NextBytes(payload);
        var stream = new RecordingStream();
        new FrameWriter(stream).Write(FrameType.Stdin, payload);

        var write = Assert.Single(stream.Writes);
        Assert.Equal(RawFrames.Header(Frames.MaxFrameLength), write[..4]);

        var frame = new FrameReader(new MemoryStream(write)).Read();
        Assert.NotNull(frame);
        Assert.Equal(FrameType.Stdin, frame.Value.Type);
        Assert.True(payload.AsSpan().SequenceEqual(frame.Value.Payload.Span));
    }

    [Fact]
    public void Write_OversizeData_SplitsIntoFramesOfSameType()
    {
        var payload = new byte[2 * Frames.MaxPayloadLength + 5];
        new Random(2).NextBytes(payload);
        var stream = new MemoryStream();
        new FrameWriter(stream).Write(FrameType.Stdin, payload);

        stream.Position = 0;
        var frames = ReadAll(stream);

        Assert.Equal([Frames.MaxPayloadLength, Frames.MaxPayloadLength, 5], frames.Select(f => f.Payload.Length));
        Assert.All(frames, f => Assert.Equal(FrameType.Stdin, f.Type));
        Assert.True(payload.AsSpan().SequenceEqual(frames.SelectMany(f => f.Payload).ToArray()));
    }

    [Fact]
    public void Write_DataOfExactlyTwiceTheMax_IsTwoFramesAndNoEmptyThird()
    {
        var stream = new MemoryStream();
        new FrameWriter(stream).Write(FrameType.Stdin, new byte[2 * Frames.MaxPayloadLength]);
        stream.Position = 0;
        Assert.Equal(2, ReadAll(stream).Count);
    }

    [Fact]
    public void Write_EmptyData_IsOneFrameWithEmptyPayload()
    {
        var stream = new RecordingStream();
        new FrameWriter(stream).Write(FrameType.Stdin, []);
        Assert.Equal([1, 0, 0, 0, 0x02], stream.All);
    }

    [Fact]
    public void Write_OversizeControlPayload_ThrowsAndWritesNothing()
    {
        var stream = new RecordingStream();
        var e = Assert.Throws<ProtocolException>(() => new FrameWriter(stream).Write(FrameType.Fatal, new byte[Frames.MaxPayloadLength + 1]));
        Assert.Contains("above the maximum", e.Message);
        Assert.Empty(stream.Writes);
    }

    [Theory]
    [InlineData(FrameType.Stop)]
    [InlineData(FrameType.StdinEnd)]
    [InlineData(FrameType.Started)]
    public void Write_PayloadOnEmptyType_ThrowsArgumentException(FrameType type)
    {
        var stream = new RecordingStream();
        Assert.Throws<ArgumentException>(() => new FrameWriter(stream).Write(type, [1]));
        Assert.Empty(stream.Writes);
    }

    [Fact]
    public void Write_UnknownType_ThrowsArgumentException()
    {
        var stream = new RecordingStream();
        Assert.Throws<ArgumentException>(() => new FrameWriter(stream).Write((FrameType)0x7F, [1]));
        Assert.Empty(stream.Writes);
    }

    [Fact]
    public void WriteJson_OnDataType_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new FrameWriter(new RecordingStream()).WriteJson(FrameType.Stdin, new WorkerHello(1, 1, "v")));
    }

    [Fact]
    public void WriteFatal_MultiLineMessage_IsSentAsOneLine()
    {
        var stream = new MemoryStream();
        new FrameWriter(stream).WriteFatal("bad assignment:\nmodule_path is relative\r\n");
        stream.Position = 0;
        var frame = new FrameReader(stream).Read();
        Assert.Equal(FrameType.Fatal, frame?.Type);
        Assert.Equal("bad assignment: module_path is relative ", frame?.ReadText());
    }

    [Fact]
    public void Write_StreamThrowsIOException_Surfaces()
    {
        var stream = new FailingStream();
        var e = Assert.Throws<IOException>(() => new FrameWriter(stream).Write(FrameType.Stdin, "x"u8));
        Assert.Same(stream.Failure, e);
    }

    [Fact]
    public void Write_FlushThrowsIOException_Surfaces()
    {
        var stream = new FailingStream(failOnFlush: true);
        var e = Assert.Throws<IOException>(() => new FrameWriter(stream).Write(FrameType.Stdin, "x"u8));
        Assert.Same(stream.Failure, e);
    }

    [Fact]
    public void Write_AfterAFailedWrite_ThrowsWithoutWriting()
    {
        var stream = new FailingStream();
        var writer = new FrameWriter(stream);
        Assert.Throws<IOException>(() => writer.Write(FrameType.Stdin, "x"u8));

        var e = Assert.Throws<IOException>(() => writer.Write(FrameType.Stdin, "y"u8));
        Assert.Same(stream.Failure, e.InnerException);
        Assert.Equal(1, stream.Writes);
    }

    [Fact]
    public void Read_EmptyStream_ReturnsNull()
    {
        Assert.Null(new FrameReader(new MemoryStream()).Read());
    }

    [Fact]
    public void Read_AfterLastFrame_ReturnsNullAgain()
    {
        var reader = new FrameReader(new MemoryStream(RawFrames.Frame(1, 0x04)));
        Assert.Equal(FrameType.Stop, reader.Read()?.Type);
        Assert.Null(reader.Read());
        Assert.Null(reader.Read());
    }

    [Fact]
    public void Read_OneByteAtATime_AssemblesWholeFrames()
    {
        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        writer.Write(FrameType.Stdin, "hello"u8);
        writer.Write(FrameType.StdinEnd, []);
        var frames = ReadAll(new TrickleStream(stream.ToArray()));
        Assert.Equal([FrameType.Stdin, FrameType.StdinEnd], frames.Select(f => f.Type));
        Assert.Equal("hello"u8.ToArray(), frames[0].Payload);
    }

    [Fact]
    public void Read_FramesOfGrowingAndShrinkingSizes_ReadsEachWhole()
    {
        int[] sizes = [10, 200_000, 5, 70_000, 0, 1_000_000, 3];
        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        foreach (var size in sizes)
            writer.Write(FrameType.Stdin, Enumerable.Range(0, size).Select(i => (byte)(i * 7 + size)).ToArray());

        stream.Position = 0;
        var frames = ReadAll(stream);

        Assert.Equal(sizes, frames.Select(f => f.Payload.Length));
        for (var i = 0; i < sizes.Length; i++)
            Assert.Equal(Enumerable.Range(0, sizes[i]).Select(b => (byte)(b * 7 + sizes[i])), frames[i].Payload);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Read_TruncatedHeader_Throws(int bytes)
    {
        var e = Assert.Throws<ProtocolException>(() => new FrameReader(new MemoryStream(RawFrames.Header(5)[..bytes])).Read());
        Assert.Equal($"protocol: truncated frame header: got {bytes} of 4 bytes before end of stream", e.Message);
    }

    [Fact]
    public void Read_TruncatedPayload_SaysHowMuchWasMissing()
    {
        var data = RawFrames.Frame(1201, [0x02, .. new byte[17]]);
        var e = Assert.Throws<ProtocolException>(() => new FrameReader(new MemoryStream(data)).Read());
        Assert.Equal("protocol: truncated frame: expected 1200 bytes of payload, got 17 before end of stream", e.Message);
    }

    [Fact]
    public void Read_HeaderWithoutTypeByte_Throws()
    {
        var e = Assert.Throws<ProtocolException>(() => new FrameReader(new MemoryStream(RawFrames.Header(3))).Read());
        Assert.Contains("truncated frame", e.Message);
        Assert.Contains("before the frame type", e.Message);
    }

    [Fact]
    public void Read_LengthZero_Throws()
    {
        var e = Assert.Throws<ProtocolException>(() => new FrameReader(new MemoryStream(RawFrames.Frame(0, 0x02))).Read());
        Assert.Contains("length 0", e.Message);
    }

    [Theory]
    [InlineData((uint)Frames.MaxFrameLength + 1)]
    [InlineData(0x7FFF_FFFFu)]
    [InlineData(uint.MaxValue)]
    public void Read_LengthAboveMax_ThrowsWithoutAllocatingIt(uint length)
    {
        var reader = new FrameReader(new MemoryStream(RawFrames.Frame(length, 0x02, 1, 2, 3)));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ProtocolException>(() => reader.Read());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal($"protocol: frame of length {length} is above the maximum of {Frames.MaxFrameLength}", e.Message);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Read_MaxLengthClaimedButLittleSent_AllocatesOnlyWhatArrives()
    {
        var reader = new FrameReader(new MemoryStream(RawFrames.Frame(Frames.MaxFrameLength, [0x02, .. new byte[10]])));
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<ProtocolException>(() => reader.Read());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x06)]
    [InlineData(0x40)]
    [InlineData(0x43)] // the guest's stdout in protocol 1, retired
    [InlineData(0x4A)]
    [InlineData(0xFF)]
    public void Read_UnknownFrameType_Throws(byte type)
    {
        var e = Assert.Throws<ProtocolException>(() => new FrameReader(new MemoryStream(RawFrames.Frame(2, type, 0))).Read());
        Assert.Equal($"protocol: unknown frame type 0x{type:X2} (frame length 2)", e.Message);
    }

    [Theory]
    [InlineData(0x03)]
    [InlineData(0x04)]
    [InlineData(0x42)]
    public void Read_PayloadOnEmptyType_Throws(byte type)
    {
        var e = Assert.Throws<ProtocolException>(() => new FrameReader(new MemoryStream(RawFrames.Frame(2, type, 0))).Read());
        Assert.Contains("must be empty", e.Message);
    }

    [Fact]
    public void Read_HandWrittenFrames_MatchTheSpec()
    {
        byte[] data = [.. RawFrames.Frame(3, 0x02, (byte)'o', (byte)'k'), .. RawFrames.Frame(1, 0x03), .. RawFrames.Frame(6, [0x46, .. "oops"u8, (byte)'!'])];
        var frames = ReadAll(new MemoryStream(data));
        Assert.Equal([FrameType.Stdin, FrameType.StdinEnd, FrameType.Fatal], frames.Select(f => f.Type));
        Assert.Equal("ok"u8.ToArray(), frames[0].Payload);
        Assert.Empty(frames[1].Payload);
        Assert.Equal("oops!", Encoding.UTF8.GetString(frames[2].Payload));
    }

    [Fact]
    public void ReadJson_ResultFrame_GivesTheMessage()
    {
        var stream = new MemoryStream();
        var result = WireSamples.Result();
        new FrameWriter(stream).WriteJson(FrameType.Result, result);
        stream.Position = 0;
        var frame = new FrameReader(stream).Read();
        Assert.Equivalent(result, frame?.ReadJson<WorkerResult>(), strict: true);
    }
}
