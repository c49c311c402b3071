// Generated from the witx signatures of wasi_snapshot_preview1 (46 functions); each import calls the WasiHost
// method of the same name. Kept as plain code rather than reflection so it is fast and NativeAOT-safe.
using System.Diagnostics;
using Wasmbox.Wasi.Abi;
using Wasmtime;

namespace Wasmbox.Runtime.Wasi;

public sealed partial class WasmboxWasi
{
    private static void DefineAll(Linker linker)
    {
        linker.DefineFunction(WasiNames.Module, WasiNames.ArgsGet, (Caller caller, int argv, int argvBuf) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.ArgsGet(memory, (uint)argv, (uint)argvBuf);
            if (store.Tracing) store.Trace(WasiNames.ArgsGet, $"argv={argv}, argvBuf={argvBuf}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.ArgsSizesGet, (Caller caller, int argcPtr, int argvBufSizePtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.ArgsSizesGet(memory, (uint)argcPtr, (uint)argvBufSizePtr);
            if (store.Tracing) store.Trace(WasiNames.ArgsSizesGet, $"argcPtr={argcPtr}, argvBufSizePtr={argvBufSizePtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.EnvironGet, (Caller caller, int environ, int environBuf) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.EnvironGet(memory, (uint)environ, (uint)environBuf);
            if (store.Tracing) store.Trace(WasiNames.EnvironGet, $"environ={environ}, environBuf={environBuf}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.EnvironSizesGet, (Caller caller, int environcPtr, int environBufSizePtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.EnvironSizesGet(memory, (uint)environcPtr, (uint)environBufSizePtr);
            if (store.Tracing) store.Trace(WasiNames.EnvironSizesGet, $"environcPtr={environcPtr}, environBufSizePtr={environBufSizePtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.ClockResGet, (Caller caller, int id, int resolutionPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.ClockResGet(memory, (uint)id, (uint)resolutionPtr);
            if (store.Tracing) store.Trace(WasiNames.ClockResGet, $"id={id}, resolutionPtr={resolutionPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.ClockTimeGet, (Caller caller, int id, long precision, int timePtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.ClockTimeGet(memory, (uint)id, (ulong)precision, (uint)timePtr);
            if (store.Tracing) store.Trace(WasiNames.ClockTimeGet, $"id={id}, precision={precision}, timePtr={timePtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdAdvise, (Caller caller, int fd, long offset, long len, int advice) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdAdvise(memory, fd, (ulong)offset, (ulong)len, (uint)advice);
            if (store.Tracing) store.Trace(WasiNames.FdAdvise, $"fd={fd}, offset={offset}, len={len}, advice={advice}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdAllocate, (Caller caller, int fd, long offset, long len) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdAllocate(memory, fd, (ulong)offset, (ulong)len);
            if (store.Tracing) store.Trace(WasiNames.FdAllocate, $"fd={fd}, offset={offset}, len={len}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdClose, (Caller caller, int fd) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdClose(memory, fd);
            if (store.Tracing) store.Trace(WasiNames.FdClose, $"fd={fd}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdDatasync, (Caller caller, int fd) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdDatasync(memory, fd);
            if (store.Tracing) store.Trace(WasiNames.FdDatasync, $"fd={fd}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdFdstatGet, (Caller caller, int fd, int statPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdFdstatGet(memory, fd, (uint)statPtr);
            if (store.Tracing) store.Trace(WasiNames.FdFdstatGet, $"fd={fd}, statPtr={statPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdFdstatSetFlags, (Caller caller, int fd, int flags) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdFdstatSetFlags(memory, fd, (uint)flags);
            if (store.Tracing) store.Trace(WasiNames.FdFdstatSetFlags, $"fd={fd}, flags={flags}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdFdstatSetRights, (Caller caller, int fd, long fsRightsBase, long fsRightsInheriting) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdFdstatSetRights(memory, fd, (ulong)fsRightsBase, (ulong)fsRightsInheriting);
            if (store.Tracing) store.Trace(WasiNames.FdFdstatSetRights, $"fd={fd}, fsRightsBase={fsRightsBase}, fsRightsInheriting={fsRightsInheriting}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdFilestatGet, (Caller caller, int fd, int bufPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdFilestatGet(memory, fd, (uint)bufPtr);
            if (store.Tracing) store.Trace(WasiNames.FdFilestatGet, $"fd={fd}, bufPtr={bufPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdFilestatSetSize, (Caller caller, int fd, long size) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdFilestatSetSize(memory, fd, (ulong)size);
            if (store.Tracing) store.Trace(WasiNames.FdFilestatSetSize, $"fd={fd}, size={size}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdFilestatSetTimes, (Caller caller, int fd, long atim, long mtim, int fstFlags) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdFilestatSetTimes(memory, fd, (ulong)atim, (ulong)mtim, (uint)fstFlags);
            if (store.Tracing) store.Trace(WasiNames.FdFilestatSetTimes, $"fd={fd}, atim={atim}, mtim={mtim}, fstFlags={fstFlags}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdPread, (Caller caller, int fd, int iovs, int iovsLen, long offset, int nreadPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdPread(memory, fd, (uint)iovs, (uint)iovsLen, (ulong)offset, (uint)nreadPtr);
            if (store.Tracing) store.Trace(WasiNames.FdPread, $"fd={fd}, iovs={iovs}, iovsLen={iovsLen}, offset={offset}, nreadPtr={nreadPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdPrestatGet, (Caller caller, int fd, int bufPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdPrestatGet(memory, fd, (uint)bufPtr);
            if (store.Tracing) store.Trace(WasiNames.FdPrestatGet, $"fd={fd}, bufPtr={bufPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdPrestatDirName, (Caller caller, int fd, int path, int pathLen) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdPrestatDirName(memory, fd, (uint)path, (uint)pathLen);
            if (store.Tracing) store.Trace(WasiNames.FdPrestatDirName, $"fd={fd}, path={Trace.Path(memory, (uint)path, (uint)pathLen)}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdPwrite, (Caller caller, int fd, int iovs, int iovsLen, long offset, int nwrittenPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdPwrite(memory, fd, (uint)iovs, (uint)iovsLen, (ulong)offset, (uint)nwrittenPtr);
            if (store.Tracing) store.Trace(WasiNames.FdPwrite, $"fd={fd}, iovs={iovs}, iovsLen={iovsLen}, offset={offset}, nwrittenPtr={nwrittenPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdRead, (Caller caller, int fd, int iovs, int iovsLen, int nreadPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdRead(memory, fd, (uint)iovs, (uint)iovsLen, (uint)nreadPtr);
            if (store.Tracing) store.Trace(WasiNames.FdRead, $"fd={fd}, iovs={iovs}, iovsLen={iovsLen}, nreadPtr={nreadPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdReaddir, (Caller caller, int fd, int buf, int bufLen, long cookie, int bufusedPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdReaddir(memory, fd, (uint)buf, (uint)bufLen, (ulong)cookie, (uint)bufusedPtr);
            if (store.Tracing) store.Trace(WasiNames.FdReaddir, $"fd={fd}, buf={buf}, bufLen={bufLen}, cookie={cookie}, bufusedPtr={bufusedPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdRenumber, (Caller caller, int fd, int to) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdRenumber(memory, fd, to);
            if (store.Tracing) store.Trace(WasiNames.FdRenumber, $"fd={fd}, to={to}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdSeek, (Caller caller, int fd, long offset, int whence, int newoffsetPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdSeek(memory, fd, offset, (uint)whence, (uint)newoffsetPtr);
            if (store.Tracing) store.Trace(WasiNames.FdSeek, $"fd={fd}, offset={offset}, whence={whence}, newoffsetPtr={newoffsetPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdSync, (Caller caller, int fd) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdSync(memory, fd);
            if (store.Tracing) store.Trace(WasiNames.FdSync, $"fd={fd}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdTell, (Caller caller, int fd, int offsetPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdTell(memory, fd, (uint)offsetPtr);
            if (store.Tracing) store.Trace(WasiNames.FdTell, $"fd={fd}, offsetPtr={offsetPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.FdWrite, (Caller caller, int fd, int iovs, int iovsLen, int nwrittenPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.FdWrite(memory, fd, (uint)iovs, (uint)iovsLen, (uint)nwrittenPtr);
            if (store.Tracing) store.Trace(WasiNames.FdWrite, $"fd={fd}, iovs={iovs}, iovsLen={iovsLen}, nwrittenPtr={nwrittenPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PathCreateDirectory, (Caller caller, int fd, int path, int pathLen) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PathCreateDirectory(memory, fd, (uint)path, (uint)pathLen);
            if (store.Tracing) store.Trace(WasiNames.PathCreateDirectory, $"fd={fd}, path={Trace.Path(memory, (uint)path, (uint)pathLen)}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PathFilestatGet, (Caller caller, int fd, int flags, int path, int pathLen, int bufPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PathFilestatGet(memory, fd, (uint)flags, (uint)path, (uint)pathLen, (uint)bufPtr);
            if (store.Tracing) store.Trace(WasiNames.PathFilestatGet, $"fd={fd}, flags={flags}, path={Trace.Path(memory, (uint)path, (uint)pathLen)}, bufPtr={bufPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PathFilestatSetTimes, (Caller caller, int fd, int flags, int path, int pathLen, long atim, long mtim, int fstFlags) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PathFilestatSetTimes(memory, fd, (uint)flags, (uint)path, (uint)pathLen, (ulong)atim, (ulong)mtim, (uint)fstFlags);
            if (store.Tracing) store.Trace(WasiNames.PathFilestatSetTimes, $"fd={fd}, flags={flags}, path={Trace.Path(memory, (uint)path, (uint)pathLen)}, atim={atim}, mtim={mtim}, fstFlags={fstFlags}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PathLink, (Caller caller, int oldFd, int oldFlags, int oldPath, int oldPathLen, int newFd, int newPath, int newPathLen) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PathLink(memory, oldFd, (uint)oldFlags, (uint)oldPath, (uint)oldPathLen, newFd, (uint)newPath, (uint)newPathLen);
            if (store.Tracing) store.Trace(WasiNames.PathLink, $"oldFd={oldFd}, oldFlags={oldFlags}, oldPath={Trace.Path(memory, (uint)oldPath, (uint)oldPathLen)}, newFd={newFd}, newPath={Trace.Path(memory, (uint)newPath, (uint)newPathLen)}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PathOpen, (Caller caller, int fd, int dirflags, int path, int pathLen, int oflags, long fsRightsBase, long fsRightsInheriting, int fdflags, int openedFdPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PathOpen(memory, fd, (uint)dirflags, (uint)path, (uint)pathLen, (uint)oflags, (ulong)fsRightsBase, (ulong)fsRightsInheriting, (uint)fdflags, (uint)openedFdPtr);
            if (store.Tracing) store.Trace(WasiNames.PathOpen, $"fd={fd}, dirflags={dirflags}, path={Trace.Path(memory, (uint)path, (uint)pathLen)}, oflags={oflags}, fsRightsBase={fsRightsBase}, fsRightsInheriting={fsRightsInheriting}, fdflags={fdflags}, openedFdPtr={openedFdPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PathReadlink, (Caller caller, int fd, int path, int pathLen, int buf, int bufLen, int bufusedPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PathReadlink(memory, fd, (uint)path, (uint)pathLen, (uint)buf, (uint)bufLen, (uint)bufusedPtr);
            if (store.Tracing) store.Trace(WasiNames.PathReadlink, $"fd={fd}, path={Trace.Path(memory, (uint)path, (uint)pathLen)}, buf={buf}, bufLen={bufLen}, bufusedPtr={bufusedPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PathRemoveDirectory, (Caller caller, int fd, int path, int pathLen) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PathRemoveDirectory(memory, fd, (uint)path, (uint)pathLen);
            if (store.Tracing) store.Trace(WasiNames.PathRemoveDirectory, $"fd={fd}, path={Trace.Path(memory, (uint)path, (uint)pathLen)}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PathRename, (Caller caller, int fd, int oldPath, int oldPathLen, int newFd, int newPath, int newPathLen) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PathRename(memory, fd, (uint)oldPath, (uint)oldPathLen, newFd, (uint)newPath, (uint)newPathLen);
            if (store.Tracing) store.Trace(WasiNames.PathRename, $"fd={fd}, oldPath={Trace.Path(memory, (uint)oldPath, (uint)oldPathLen)}, newFd={newFd}, newPath={Trace.Path(memory, (uint)newPath, (uint)newPathLen)}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PathSymlink, (Caller caller, int oldPath, int oldPathLen, int fd, int newPath, int newPathLen) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PathSymlink(memory, (uint)oldPath, (uint)oldPathLen, fd, (uint)newPath, (uint)newPathLen);
            if (store.Tracing) store.Trace(WasiNames.PathSymlink, $"oldPath={Trace.Path(memory, (uint)oldPath, (uint)oldPathLen)}, fd={fd}, newPath={Trace.Path(memory, (uint)newPath, (uint)newPathLen)}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PathUnlinkFile, (Caller caller, int fd, int path, int pathLen) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PathUnlinkFile(memory, fd, (uint)path, (uint)pathLen);
            if (store.Tracing) store.Trace(WasiNames.PathUnlinkFile, $"fd={fd}, path={Trace.Path(memory, (uint)path, (uint)pathLen)}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.PollOneoff, (Caller caller, int inPtr, int outPtr, int nsubscriptions, int neventsPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.PollOneoff(memory, (uint)inPtr, (uint)outPtr, (uint)nsubscriptions, (uint)neventsPtr);
            if (store.Tracing) store.Trace(WasiNames.PollOneoff, $"inPtr={inPtr}, outPtr={outPtr}, nsubscriptions={nsubscriptions}, neventsPtr={neventsPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.ProcExit, (Caller caller, int rval) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            store.Trace(WasiNames.ProcExit, $"rval={rval}", Errno.Success, 0);
            store.Host.ProcExit(memory, (uint)rval);
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.ProcRaise, (Caller caller, int sig) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.ProcRaise(memory, (uint)sig);
            if (store.Tracing) store.Trace(WasiNames.ProcRaise, $"sig={sig}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.SchedYield, (Caller caller) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SchedYield(memory);
            if (store.Tracing) store.Trace(WasiNames.SchedYield, $"", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.RandomGet, (Caller caller, int buf, int bufLen) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.RandomGet(memory, (uint)buf, (uint)bufLen);
            if (store.Tracing) store.Trace(WasiNames.RandomGet, $"buf={buf}, bufLen={bufLen}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.SockAccept, (Caller caller, int fd, int flags, int fdPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockAccept(memory, fd, (uint)flags, (uint)fdPtr);
            if (store.Tracing) store.Trace(WasiNames.SockAccept, $"fd={fd}, flags={flags}, fdPtr={fdPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.SockRecv, (Caller caller, int fd, int riData, int riDataLen, int riFlags, int roDatalenPtr, int roFlagsPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockRecv(memory, fd, (uint)riData, (uint)riDataLen, (uint)riFlags, (uint)roDatalenPtr, (uint)roFlagsPtr);
            if (store.Tracing) store.Trace(WasiNames.SockRecv, $"fd={fd}, riData={riData}, riDataLen={riDataLen}, riFlags={riFlags}, roDatalenPtr={roDatalenPtr}, roFlagsPtr={roFlagsPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.SockSend, (Caller caller, int fd, int siData, int siDataLen, int siFlags, int soDatalenPtr) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockSend(memory, fd, (uint)siData, (uint)siDataLen, (uint)siFlags, (uint)soDatalenPtr);
            if (store.Tracing) store.Trace(WasiNames.SockSend, $"fd={fd}, siData={siData}, siDataLen={siDataLen}, siFlags={siFlags}, soDatalenPtr={soDatalenPtr}", errno, started);
            return (int)errno;
        });
        linker.DefineFunction(WasiNames.Module, WasiNames.SockShutdown, (Caller caller, int fd, int how) =>
        {
            var store = WasiStore.Of(caller);
            var memory = store.Memory(caller);
            var started = store.Tracing ? Stopwatch.GetTimestamp() : 0;
            var errno = store.Host.SockShutdown(memory, fd, (uint)how);
            if (store.Tracing) store.Trace(WasiNames.SockShutdown, $"fd={fd}, how={how}", errno, started);
            return (int)errno;
        });
    }
}
