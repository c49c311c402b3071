using Microsoft.Win32.SafeHandles;
using Wasmbox.Wasi.Fs;

namespace Wasmbox.Wasi.Tests.Fs;

/// <summary>
/// The raw stream under inherited stdio: it writes on the descriptor number, holding a reference on the handle for its
/// whole life, so the number can neither be closed under it nor be written after it is disposed.
/// </summary>
public sealed class HostFdStreamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wasmbox-hostfd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Write_AfterTheCallerDisposedItsHandle_StillReachesTheFile_UntilTheStreamIsDisposed()
    {
        var handle = File.OpenHandle(PathOf("out"), FileMode.Create, FileAccess.Write);
        var stream = new HostFdStream(handle, canRead: false, canWrite: true);

        handle.Dispose(); // the descriptor stays open: the stream holds a reference
        stream.Write("kept"u8);
        Assert.False(handle.IsClosed);
        stream.Dispose();

        Assert.True(handle.IsClosed);
        Assert.Equal("kept", File.ReadAllText(PathOf("out")));
    }

    [Fact]
    public void Write_AfterDispose_Throws_AndNeverReachesAFileThatReusedTheNumber()
    {
        var stream = new HostFdStream(File.OpenHandle(PathOf("first"), FileMode.Create, FileAccess.Write), canRead: false, canWrite: true);
        stream.Dispose();
        // The lowest free number is the one just closed: this file most likely gets it.
        using var reuser = File.OpenHandle(PathOf("second"), FileMode.Create, FileAccess.Write);

        Assert.Throws<ObjectDisposedException>(() => stream.Write("stray"u8));

        Assert.Equal(0, new FileInfo(PathOf("second")).Length);
    }

    [Fact]
    public void Write_TwoStreamsOnOneDescriptor_LandInOrder_AtTheSharedOffset()
    {
        // `> log 2>&1`: stdout and stderr are one open file; neither stream keeps an offset of its own.
        using var handle = File.OpenHandle(PathOf("log"), FileMode.Create, FileAccess.Write);
        using var stdout = new HostFdStream(new SafeFileHandle(handle.DangerousGetHandle(), ownsHandle: false), canRead: false, canWrite: true);
        using var stderr = new HostFdStream(new SafeFileHandle(handle.DangerousGetHandle(), ownsHandle: false), canRead: false, canWrite: true);

        stdout.Write("one "u8);
        stderr.Write("two "u8);
        stdout.Write("three"u8);

        Assert.Equal("one two three", File.ReadAllText(PathOf("log")));
    }

    [Fact]
    public void Construct_OnAClosedHandle_Throws()
    {
        var handle = File.OpenHandle(PathOf("closed"), FileMode.Create, FileAccess.Write);
        handle.Dispose();

        Assert.Throws<ObjectDisposedException>(() => new HostFdStream(handle, canRead: false, canWrite: true));
    }
}
