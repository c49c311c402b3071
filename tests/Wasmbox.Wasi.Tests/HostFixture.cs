using Wasmbox.Wasi;
using Wasmbox.Wasi.Host;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Tests;

/// <summary>
/// A host over plain memory, for unit tests of single calls (wazero's args_test.go pattern): memory starts filled with
/// '?' sentinels so a test can assert exactly which bytes a call wrote and that it wrote nothing else.
/// </summary>
public sealed class HostFixture : IDisposable
{
    public const byte Sentinel = (byte)'?';

    public HostFixture(WasiOptions? options = null, int memorySize = 64 * 1024)
    {
        Memory = new PinnedMemory(memorySize);
        Memory.Bytes.AsSpan().Fill(Sentinel);
        Context = new WasiContext(options ?? new WasiOptions());
        Host = new WasiHost(Context);
    }

    public PinnedMemory Memory { get; }
    public WasiContext Context { get; }
    public WasiHost Host { get; }

    public GuestMemory View => Memory.View();

    /// <summary>Writes bytes into guest memory at <paramref name="ptr"/> (test set-up).</summary>
    public void Put(uint ptr, ReadOnlySpan<byte> bytes) => bytes.CopyTo(Memory.Bytes.AsSpan((int)ptr));

    public void PutString(uint ptr, string s) => Put(ptr, System.Text.Encoding.UTF8.GetBytes(s));

    public void PutU32(uint ptr, uint value) => System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(Memory.Bytes.AsSpan((int)ptr), value);

    public uint U32(uint ptr) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(Memory.Bytes.AsSpan((int)ptr));

    public ulong U64(uint ptr) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(Memory.Bytes.AsSpan((int)ptr));

    public byte[] Bytes(uint ptr, int length) => Memory.Bytes.AsSpan((int)ptr, length).ToArray();

    public void Dispose() => Context.Dispose();
}

/// <summary>Tests that time host calls or count this process's descriptors run alone, so other tests neither steal their CPU nor open descriptors meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}

/// <summary>Runs an action on the host side after a delay (a writer that speaks late), ignoring a stream closed meanwhile.</summary>
public static class Later
{
    public static void Run(TimeSpan delay, Action action)
    {
        var cancel = TestContext.Current.CancellationToken;
        _ = Task.Run(async () =>
        {
            await Task.Delay(delay, cancel);
            try { action(); }
            catch (Exception e) when (e is ObjectDisposedException or IOException) { }
        }, cancel);
    }
}
