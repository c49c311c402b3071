namespace Wasmbox.Wasi.Abi;

// The flag and enum types of wasi_snapshot_preview1 (docs.md), with the spec's bit values.

/// <summary>File descriptor rights (u64). docs.md#rights</summary>
[Flags]
public enum Rights : ulong
{
    None = 0,
    FdDatasync = 1UL << 0,
    FdRead = 1UL << 1,
    FdSeek = 1UL << 2,
    FdFdstatSetFlags = 1UL << 3,
    FdSync = 1UL << 4,
    FdTell = 1UL << 5,
    FdWrite = 1UL << 6,
    FdAdvise = 1UL << 7,
    FdAllocate = 1UL << 8,
    PathCreateDirectory = 1UL << 9,
    PathCreateFile = 1UL << 10,
    PathLinkSource = 1UL << 11,
    PathLinkTarget = 1UL << 12,
    PathOpen = 1UL << 13,
    FdReaddir = 1UL << 14,
    PathReadlink = 1UL << 15,
    PathRenameSource = 1UL << 16,
    PathRenameTarget = 1UL << 17,
    PathFilestatGet = 1UL << 18,
    PathFilestatSetSize = 1UL << 19,
    PathFilestatSetTimes = 1UL << 20,
    FdFilestatGet = 1UL << 21,
    FdFilestatSetSize = 1UL << 22,
    FdFilestatSetTimes = 1UL << 23,
    PathSymlink = 1UL << 24,
    PathRemoveDirectory = 1UL << 25,
    PathUnlinkFile = 1UL << 26,
    PollFdReadwrite = 1UL << 27,
    SockShutdown = 1UL << 28,
    SockAccept = 1UL << 29,
    /// <summary>Every right defined by the spec.</summary>
    All = (1UL << 30) - 1,
}

/// <summary>File descriptor flags (u16). docs.md#fdflags</summary>
[Flags]
public enum Fdflags : ushort
{
    None = 0,
    Append = 1 << 0,
    Dsync = 1 << 1,
    Nonblock = 1 << 2,
    Rsync = 1 << 3,
    Sync = 1 << 4,
}

/// <summary>Open flags for path_open (u16). docs.md#oflags</summary>
[Flags]
public enum Oflags : ushort
{
    None = 0,
    Creat = 1 << 0,
    Directory = 1 << 1,
    Excl = 1 << 2,
    Trunc = 1 << 3,
}

/// <summary>Path lookup flags (u32). docs.md#lookupflags</summary>
[Flags]
public enum Lookupflags : uint
{
    None = 0,
    SymlinkFollow = 1 << 0,
}

/// <summary>Which timestamps to set (u16). docs.md#fstflags</summary>
[Flags]
public enum Fstflags : ushort
{
    None = 0,
    Atim = 1 << 0,
    AtimNow = 1 << 1,
    Mtim = 1 << 2,
    MtimNow = 1 << 3,
}

/// <summary>Seek origin (u8). docs.md#whence</summary>
public enum Whence : byte
{
    Set = 0,
    Cur = 1,
    End = 2,
}

/// <summary>File access advice (u8). docs.md#advice</summary>
public enum Advice : byte
{
    Normal = 0,
    Sequential = 1,
    Random = 2,
    Willneed = 3,
    Dontneed = 4,
    Noreuse = 5,
}

/// <summary>Clock identifiers (u32). docs.md#clockid</summary>
public enum Clockid : uint
{
    Realtime = 0,
    Monotonic = 1,
    ProcessCputimeId = 2,
    ThreadCputimeId = 3,
}

/// <summary>Socket shutdown directions (u8). docs.md#sdflags</summary>
[Flags]
public enum Sdflags : byte
{
    None = 0,
    Rd = 1 << 0,
    Wr = 1 << 1,
}

/// <summary>Flags for sock_recv input (u16). docs.md#riflags</summary>
[Flags]
public enum Riflags : ushort
{
    None = 0,
    RecvPeek = 1 << 0,
    RecvWaitall = 1 << 1,
}

/// <summary>Flags for sock_recv output (u16). docs.md#roflags</summary>
[Flags]
public enum Roflags : ushort
{
    None = 0,
    RecvDataTruncated = 1 << 0,
}
