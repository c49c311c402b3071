using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.State;

/// <summary>
/// A stdio descriptor over a .NET <see cref="Stream"/>: fd 0 reads from one, fds 1 and 2 write to one. A null stream
/// reads as end of file or swallows writes. Output counts against <c>--max-output</c>; past it, writes report success to
/// the guest (so it is not tempted to retry forever) but are dropped, and the report says so.
/// </summary>
public sealed class StreamFd(Stream? stream, bool writable, Quotas quotas) : WasiFd
{
    public override Filetype Filetype => Filetype.CharacterDevice;

    public override Errno Read(Span<byte> buffer, out int read)
    {
        read = 0;
        if (writable) return Errno.Badf;
        if (stream is null) return Errno.Success;
        try { read = stream.Read(buffer); }
        catch (IOException) { return Errno.Io; }
        return Errno.Success;
    }

    public override Errno Write(ReadOnlySpan<byte> data, out int written)
    {
        written = 0;
        if (!writable) return Errno.Badf;
        var allowed = (int)quotas.TakeOutput(data.Length);
        if (stream is not null && allowed > 0)
        {
            try
            {
                stream.Write(data[..allowed]);
                stream.Flush();
            }
            catch (IOException) { return Errno.Io; }
        }
        written = data.Length;
        return Errno.Success;
    }

    public override void Dispose() => stream?.Dispose();
}
