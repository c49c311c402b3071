using System.Net.Sockets;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Net;

namespace Wasmbox.Wasi.Tests.Net;

public class SocketErrnoMappingTests
{
    [Theory]
    [InlineData(SocketError.Success, Errno.Success)]
    [InlineData(SocketError.WouldBlock, Errno.Again)]
    [InlineData(SocketError.Shutdown, Errno.Pipe)]            // .NET's name for EPIPE
    [InlineData(SocketError.NotConnected, Errno.Notconn)]
    [InlineData(SocketError.ConnectionReset, Errno.Connreset)]
    [InlineData(SocketError.ConnectionAborted, Errno.Connaborted)]
    [InlineData(SocketError.InvalidArgument, Errno.Inval)]
    [InlineData(SocketError.TooManyOpenSockets, Errno.Mfile)]
    [InlineData(SocketError.AddressAlreadyInUse, Errno.Addrinuse)]
    [InlineData(SocketError.OperationAborted, Errno.Canceled)]
    [InlineData(SocketError.SocketError, Errno.Io)]
    public void ToWasi_MapsToThePosixErrno(SocketError error, Errno expected) =>
        Assert.Equal(expected, SocketErrnoMapping.ToWasi(error));

    [Fact]
    public void ToWasi_EveryNamedValue_HasAMapping()
    {
        foreach (var error in Enum.GetValues<SocketError>())
            Assert.True(Enum.IsDefined(SocketErrnoMapping.ToWasi(error)), $"{error} maps to no errno");
    }
}
