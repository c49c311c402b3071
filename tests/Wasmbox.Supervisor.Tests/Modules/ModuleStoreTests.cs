using System.Security.Cryptography;
using System.Text;
using Wasmbox.Supervisor.Modules;

namespace Wasmbox.Supervisor.Tests.Modules;

public class ModuleStoreTests
{
    private static readonly byte[] Wasm = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public void Put_BinaryModule_StoredAsWasmUnderItsHashWithTheSameBytes()
    {
        using var dir = new TempDir();
        var store = new ModuleStore(dir.Path);

        var sha = store.Put(new MemoryStream(Wasm));

        Assert.Equal(Sha(Wasm), sha);
        Assert.True(store.Has(sha));
        Assert.Equal(Path.Combine(dir.Path, "modules", sha + ".wasm"), store.PathOf(sha));
        Assert.Equal(Wasm, File.ReadAllBytes(store.PathOf(sha)!));
        Assert.True(store.Verify(sha));
    }

    [Fact]
    public void Put_TextModule_StoredAsWat()
    {
        using var dir = new TempDir();
        var store = new ModuleStore(dir.Path);
        var wat = Encoding.UTF8.GetBytes("(module (func (export \"_start\")))");

        var sha = store.Put(new MemoryStream(wat));

        Assert.EndsWith(sha + ".wat", store.PathOf(sha));
    }

    [Fact]
    public void Put_ExpectedHashDiffers_RefusedAndNothingStored()
    {
        using var dir = new TempDir();
        var store = new ModuleStore(dir.Path);
        var other = Sha([1, 2, 3]);

        var e = Assert.Throws<ModuleStoreException>(() => store.Put(new MemoryStream(Wasm), other));

        Assert.Equal(ModuleStoreError.HashMismatch, e.Error);
        Assert.Empty(Directory.GetFileSystemEntries(store.Folder));
    }

    [Fact]
    public void Put_ExpectedHashMatches_Stored()
    {
        using var dir = new TempDir();
        var store = new ModuleStore(dir.Path);

        Assert.Equal(Sha(Wasm), store.Put(new MemoryStream(Wasm), Sha(Wasm)));
    }

    [Fact]
    public void Put_OverTheSizeLimit_RefusedAndNothingLeft()
    {
        using var dir = new TempDir();
        var store = new ModuleStore(dir.Path, maxBytes: 1000);

        var e = Assert.Throws<ModuleStoreException>(() => store.Put(new MemoryStream(new byte[1001])));

        Assert.Equal(ModuleStoreError.TooLarge, e.Error);
        Assert.Empty(Directory.GetFileSystemEntries(store.Folder));
        Assert.Equal(Sha(new byte[1000]), store.Put(new MemoryStream(new byte[1000])));
    }

    [Fact]
    public void Put_StreamFailsHalfway_NoFinalFileAndNoTempLeft()
    {
        using var dir = new TempDir();
        var store = new ModuleStore(dir.Path);

        Assert.Throws<IOException>(() => store.Put(new FailingStream(Wasm)));

        Assert.False(store.Has(Sha(Wasm)));
        Assert.Empty(Directory.GetFileSystemEntries(store.Folder));
    }

    [Fact]
    public void Put_Empty_Refused()
    {
        using var dir = new TempDir();
        var store = new ModuleStore(dir.Path);

        Assert.Equal(ModuleStoreError.Empty, Assert.Throws<ModuleStoreException>(() => store.Put(new MemoryStream())).Error);
    }

    [Fact]
    public void Verify_FileChangedOnDisk_FalseAndTheFileIsDeleted()
    {
        using var dir = new TempDir();
        var store = new ModuleStore(dir.Path);
        var sha = store.Put(new MemoryStream(Wasm));
        File.WriteAllBytes(store.PathOf(sha)!, [0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00]);

        Assert.False(store.Verify(sha));
        Assert.False(store.Has(sha));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("ABCDEF0000000000000000000000000000000000000000000000000000000000")]
    [InlineData("abc")]
    public void PathOf_NotASha256_Null(string text)
    {
        using var dir = new TempDir();
        Assert.Null(new ModuleStore(dir.Path).PathOf(text));
    }

    /// <summary>Yields its bytes, then fails as a dropped upload would.</summary>
    private sealed class FailingStream(byte[] first) : MemoryStream(first)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = base.Read(buffer, offset, count);
            return n > 0 ? n : throw new IOException("connection reset");
        }

        // Stream's Span overload of a MemoryStream subclass goes through the array overload above.
    }
}
