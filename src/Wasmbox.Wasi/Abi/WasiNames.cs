namespace Wasmbox.Wasi.Abi;

/// <summary>The import module and the 46 function names of wasi_snapshot_preview1.</summary>
public static class WasiNames
{
    public const string Module = "wasi_snapshot_preview1";

    public const string ArgsGet = "args_get";
    public const string ArgsSizesGet = "args_sizes_get";
    public const string EnvironGet = "environ_get";
    public const string EnvironSizesGet = "environ_sizes_get";
    public const string ClockResGet = "clock_res_get";
    public const string ClockTimeGet = "clock_time_get";
    public const string FdAdvise = "fd_advise";
    public const string FdAllocate = "fd_allocate";
    public const string FdClose = "fd_close";
    public const string FdDatasync = "fd_datasync";
    public const string FdFdstatGet = "fd_fdstat_get";
    public const string FdFdstatSetFlags = "fd_fdstat_set_flags";
    public const string FdFdstatSetRights = "fd_fdstat_set_rights";
    public const string FdFilestatGet = "fd_filestat_get";
    public const string FdFilestatSetSize = "fd_filestat_set_size";
    public const string FdFilestatSetTimes = "fd_filestat_set_times";
    public const string FdPread = "fd_pread";
    public const string FdPrestatGet = "fd_prestat_get";
    public const string FdPrestatDirName = "fd_prestat_dir_name";
    public const string FdPwrite = "fd_pwrite";
    public const string FdRead = "fd_read";
    public const string FdReaddir = "fd_readdir";
    public const string FdRenumber = "fd_renumber";
    public const string FdSeek = "fd_seek";
    public const string FdSync = "fd_sync";
    public const string FdTell = "fd_tell";
    public const string FdWrite = "fd_write";
    public const string PathCreateDirectory = "path_create_directory";
    public const string PathFilestatGet = "path_filestat_get";
    public const string PathFilestatSetTimes = "path_filestat_set_times";
    public const string PathLink = "path_link";
    public const string PathOpen = "path_open";
    public const string PathReadlink = "path_readlink";
    public const string PathRemoveDirectory = "path_remove_directory";
    public const string PathRename = "path_rename";
    public const string PathSymlink = "path_symlink";
    public const string PathUnlinkFile = "path_unlink_file";
    public const string PollOneoff = "poll_oneoff";
    public const string ProcExit = "proc_exit";
    public const string ProcRaise = "proc_raise";
    public const string SchedYield = "sched_yield";
    public const string RandomGet = "random_get";
    public const string SockAccept = "sock_accept";
    public const string SockRecv = "sock_recv";
    public const string SockSend = "sock_send";
    public const string SockShutdown = "sock_shutdown";

    /// <summary>All 46, in the order of the spec's document.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        ArgsGet,
        ArgsSizesGet,
        EnvironGet,
        EnvironSizesGet,
        ClockResGet,
        ClockTimeGet,
        FdAdvise,
        FdAllocate,
        FdClose,
        FdDatasync,
        FdFdstatGet,
        FdFdstatSetFlags,
        FdFdstatSetRights,
        FdFilestatGet,
        FdFilestatSetSize,
        FdFilestatSetTimes,
        FdPread,
        FdPrestatGet,
        FdPrestatDirName,
        FdPwrite,
        FdRead,
        FdReaddir,
        FdRenumber,
        FdSeek,
        FdSync,
        FdTell,
        FdWrite,
        PathCreateDirectory,
        PathFilestatGet,
        PathFilestatSetTimes,
        PathLink,
        PathOpen,
        PathReadlink,
        PathRemoveDirectory,
        PathRename,
        PathSymlink,
        PathUnlinkFile,
        PollOneoff,
        ProcExit,
        ProcRaise,
        SchedYield,
        RandomGet,
        SockAccept,
        SockRecv,
        SockSend,
        SockShutdown,
    ];
}
