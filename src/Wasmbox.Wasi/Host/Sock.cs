using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// NOT YET IMPLEMENTED: the Sock group is being written; until then each call returns ENOSYS.
public sealed partial class WasiHost
{
    /// <summary><c>sock_accept</c>. See docs.md#sock_accept.</summary>
    public Errno SockAccept(GuestMemory memory, int fd, uint flags, uint fdPtr) => Errno.Nosys;

    /// <summary><c>sock_recv</c>. See docs.md#sock_recv.</summary>
    public Errno SockRecv(GuestMemory memory, int fd, uint riData, uint riDataLen, uint riFlags, uint roDatalenPtr, uint roFlagsPtr) => Errno.Nosys;

    /// <summary><c>sock_send</c>. See docs.md#sock_send.</summary>
    public Errno SockSend(GuestMemory memory, int fd, uint siData, uint siDataLen, uint siFlags, uint soDatalenPtr) => Errno.Nosys;

    /// <summary><c>sock_shutdown</c>. See docs.md#sock_shutdown.</summary>
    public Errno SockShutdown(GuestMemory memory, int fd, uint how) => Errno.Nosys;

}
