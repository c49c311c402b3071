using System.Security.Cryptography;
using System.Text;
using Wasmbox.Core.Hashing;

namespace Wasmbox.Core.Tests.Hashing;

/// <summary>The managed and the OpenSSL paths give the same digests and tags; the size decides which one runs.</summary>
public class Sha256sTests
{
    private static byte[] Bytes(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7)).ToArray();

    [Fact]
    public void Hash_Abc_IsTheFipsVector()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256s.HashHex("abc"u8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(64)]
    [InlineData(1000)]
    [InlineData((int)Sha256s.ManagedLimit)]
    [InlineData((int)Sha256s.ManagedLimit + 1)]
    public void Hash_AnySize_EqualsOpenSsl(int length)
    {
        var data = Bytes(length);
        Assert.Equal(SHA256.HashData(data), Sha256s.Hash(data));
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(100, 32)]
    [InlineData(5000, 64)]
    [InlineData(5000, 100)] // a key longer than the block is hashed first
    public void Hmac_BothPaths_EqualOpenSsl(int length, int keyLength)
    {
        var data = Bytes(length);
        var key = Encoding.ASCII.GetBytes(new string('k', keyLength));
        var expected = HMACSHA256.HashData(key, data);

        foreach (var expectedLength in new[] { 0L, Sha256s.ManagedLimit + 1 })
        {
            using var mac = Sha256s.CreateHmac(key, expectedLength);
            mac.Append(data.AsSpan(0, length / 3));
            mac.Append(data.AsSpan(length / 3));
            Assert.Equal(expected, mac.Finish());
        }
    }
}
