// The WASIX socket imports (module wasix_32v1, WasiImports.WasixFunctions), in the shape of WasmboxWasi.Define.cs:
// each calls the WasiHost method of the same name (Wasi/Host/Wasix.cs, Sock.cs). Socket calls trace their addresses
// decoded (the trace is read before the call for inputs, after it for outputs).
using System.Diagnostics;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;
using Wasmbox.Wasi.Net;
using Wasmtime;

namespace Wasmbox.Runtime.Wasi;

public sealed partial class WasmboxWasi
{
    private static void DefineWasix(Linker linker)
    {
        const string module = WasiImports.WasixModule;
        linker.DefineFunction(module, "sock_open", (Caller caller, int af, int socktype, int proto, int fdPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockOpen(memory, (uint)af, (uint)socktype, (uint)proto, (uint)fdPtr);
            if (store.Tracing) store.Trace("sock_open", $"af={af}, socktype={socktype}, proto={proto}, fdPtr={fdPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_bind", (Caller caller, int fd, int addrPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockBind(memory, fd, (uint)addrPtr);
            if (store.Tracing) store.Trace("sock_bind", $"fd={fd}, addr={WasixAddress.Describe(memory, (uint)addrPtr)}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_listen", (Caller caller, int fd, int backlog) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockListen(memory, fd, (uint)backlog);
            if (store.Tracing) store.Trace("sock_listen", $"fd={fd}, backlog={backlog}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_connect", (Caller caller, int fd, int addrPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockConnect(memory, fd, (uint)addrPtr);
            if (store.Tracing) store.Trace("sock_connect", $"fd={fd}, addr={WasixAddress.Describe(memory, (uint)addrPtr)}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_accept", (Caller caller, int fd, int flags, int fdPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockAccept(memory, fd, (uint)flags, (uint)fdPtr);
            if (store.Tracing) store.Trace("sock_accept", $"fd={fd}, flags={flags}, fdPtr={fdPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_accept_v2", (Caller caller, int fd, int flags, int fdPtr, int addrPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockAcceptV2(memory, fd, (uint)flags, (uint)fdPtr, (uint)addrPtr);
            if (store.Tracing) store.Trace("sock_accept_v2", $"fd={fd}, flags={flags}, fdPtr={fdPtr}, addrPtr={addrPtr}" + (errno == Errno.Success ? $" -> peer {WasixAddress.Describe(memory, (uint)addrPtr)}" : ""), errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_send", (Caller caller, int fd, int siData, int siDataLen, int siFlags, int soDatalenPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockSend(memory, fd, (uint)siData, (uint)siDataLen, (uint)siFlags, (uint)soDatalenPtr);
            if (store.Tracing) store.Trace("sock_send", $"fd={fd}, siData={siData}, siDataLen={siDataLen}, siFlags={siFlags}, soDatalenPtr={soDatalenPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_send_to", (Caller caller, int fd, int siData, int siDataLen, int siFlags, int addrPtr, int soDatalenPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockSendTo(memory, fd, (uint)siData, (uint)siDataLen, (uint)siFlags, (uint)addrPtr, (uint)soDatalenPtr);
            if (store.Tracing) store.Trace("sock_send_to", $"fd={fd}, siData={siData}, siDataLen={siDataLen}, siFlags={siFlags}, addr={WasixAddress.Describe(memory, (uint)addrPtr)}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_recv", (Caller caller, int fd, int riData, int riDataLen, int riFlags, int roDatalenPtr, int roFlagsPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockRecv(memory, fd, (uint)riData, (uint)riDataLen, (uint)riFlags, (uint)roDatalenPtr, (uint)roFlagsPtr);
            if (store.Tracing) store.Trace("sock_recv", $"fd={fd}, riData={riData}, riDataLen={riDataLen}, riFlags={riFlags}, roDatalenPtr={roDatalenPtr}, roFlagsPtr={roFlagsPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_recv_from", (Caller caller, int fd, int riData, int riDataLen, int riFlags, int roDatalenPtr, int roFlagsPtr, int addrPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockRecvFrom(memory, fd, (uint)riData, (uint)riDataLen, (uint)riFlags, (uint)roDatalenPtr, (uint)roFlagsPtr, (uint)addrPtr);
            if (store.Tracing) store.Trace("sock_recv_from", $"fd={fd}, riData={riData}, riDataLen={riDataLen}, riFlags={riFlags}" + (errno == Errno.Success ? $" -> from {WasixAddress.Describe(memory, (uint)addrPtr)}" : ""), errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_shutdown", (Caller caller, int fd, int how) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockShutdown(memory, fd, (uint)how);
            if (store.Tracing) store.Trace("sock_shutdown", $"fd={fd}, how={how}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_addr_local", (Caller caller, int fd, int addrPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockAddrLocal(memory, fd, (uint)addrPtr);
            if (store.Tracing) store.Trace("sock_addr_local", $"fd={fd}" + (errno == Errno.Success ? $" -> {WasixAddress.Describe(memory, (uint)addrPtr)}" : ""), errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_addr_peer", (Caller caller, int fd, int addrPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockAddrPeer(memory, fd, (uint)addrPtr);
            if (store.Tracing) store.Trace("sock_addr_peer", $"fd={fd}" + (errno == Errno.Success ? $" -> {WasixAddress.Describe(memory, (uint)addrPtr)}" : ""), errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_status", (Caller caller, int fd, int statusPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockStatus(memory, fd, (uint)statusPtr);
            if (store.Tracing) store.Trace("sock_status", $"fd={fd}, statusPtr={statusPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "resolve", (Caller caller, int hostPtr, int hostLen, int port, int addrsPtr, int naddrs, int countPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.Resolve(memory, (uint)hostPtr, (uint)hostLen, (uint)port, (uint)addrsPtr, (uint)naddrs, (uint)countPtr);
            if (store.Tracing) store.Trace("resolve", $"host={TraceText(memory, (uint)hostPtr, (uint)hostLen)}, port={port}, naddrs={naddrs}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_set_opt_flag", (Caller caller, int fd, int option, int flag) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockSetOptFlag(memory, fd, (uint)option, (uint)flag);
            if (store.Tracing) store.Trace("sock_set_opt_flag", $"fd={fd}, option={option}, flag={flag}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_get_opt_flag", (Caller caller, int fd, int option, int flagPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockGetOptFlag(memory, fd, (uint)option, (uint)flagPtr);
            if (store.Tracing) store.Trace("sock_get_opt_flag", $"fd={fd}, option={option}, flagPtr={flagPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_set_opt_time", (Caller caller, int fd, int option, int timePtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockSetOptTime(memory, fd, (uint)option, (uint)timePtr);
            if (store.Tracing) store.Trace("sock_set_opt_time", $"fd={fd}, option={option}, timePtr={timePtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_get_opt_time", (Caller caller, int fd, int option, int timePtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockGetOptTime(memory, fd, (uint)option, (uint)timePtr);
            if (store.Tracing) store.Trace("sock_get_opt_time", $"fd={fd}, option={option}, timePtr={timePtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_set_opt_size", (Caller caller, int fd, int option, long size) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockSetOptSize(memory, fd, (uint)option, (ulong)size);
            if (store.Tracing) store.Trace("sock_set_opt_size", $"fd={fd}, option={option}, size={size}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(module, "sock_get_opt_size", (Caller caller, int fd, int option, int sizePtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockGetOptSize(memory, fd, (uint)option, (uint)sizePtr);
            if (store.Tracing) store.Trace("sock_get_opt_size", $"fd={fd}, option={option}, sizePtr={sizePtr}", errno, started);
            return (int)errno;
        });
    }

    /// <summary>A guest string for a trace line, or why it cannot be read; never traps.</summary>
    private static string TraceText(GuestMemory memory, uint ptr, uint len)
    {
        try { return memory.ReadString(ptr, Math.Min(len, 256), out var text) == Errno.Success ? $"\"{text}\"" : "(not UTF-8)"; }
        catch (Wasmbox.Wasi.WasiTrap) { return "out of bounds"; }
    }
}
