namespace Wasmbox.Runtime.Wasi;

/// <summary>
/// The 46 functions of <c>wasi_snapshot_preview1</c> (WebAssembly/WASI legacy/preview1/docs.md), grouped by the
/// capability they reach. <c>wasmbox inspect</c> reports the groups; the runner refuses imports outside this list
/// before instantiating, with a message that names them.
/// </summary>
public static class WasiImports
{
    public const string Module = "wasi_snapshot_preview1";

    /// <summary>Capability group of each function.</summary>
    public static readonly IReadOnlyDictionary<string, string> GroupOf = new Dictionary<string, string>
    {
        ["args_get"] = "args", ["args_sizes_get"] = "args",
        ["environ_get"] = "env", ["environ_sizes_get"] = "env",
        ["clock_res_get"] = "clocks", ["clock_time_get"] = "clocks",
        // Calls on an fd the guest already holds; stdio alone needs these.
        ["fd_advise"] = "fd", ["fd_allocate"] = "fd", ["fd_close"] = "fd", ["fd_datasync"] = "fd",
        ["fd_fdstat_get"] = "fd", ["fd_fdstat_set_flags"] = "fd", ["fd_fdstat_set_rights"] = "fd",
        ["fd_filestat_get"] = "fd", ["fd_filestat_set_size"] = "fd", ["fd_filestat_set_times"] = "fd",
        ["fd_pread"] = "fd", ["fd_pwrite"] = "fd", ["fd_read"] = "fd", ["fd_renumber"] = "fd",
        ["fd_seek"] = "fd", ["fd_sync"] = "fd", ["fd_tell"] = "fd", ["fd_write"] = "fd",
        // Calls that find files by name or list preopened directories: useless without a --dir grant.
        ["fd_prestat_get"] = "files", ["fd_prestat_dir_name"] = "files", ["fd_readdir"] = "files",
        ["path_create_directory"] = "files", ["path_filestat_get"] = "files", ["path_filestat_set_times"] = "files",
        ["path_link"] = "files", ["path_open"] = "files", ["path_readlink"] = "files", ["path_remove_directory"] = "files",
        ["path_rename"] = "files", ["path_symlink"] = "files", ["path_unlink_file"] = "files",
        ["poll_oneoff"] = "poll",
        ["proc_exit"] = "proc", ["proc_raise"] = "proc", ["sched_yield"] = "proc",
        ["random_get"] = "random",
        ["sock_accept"] = "sockets", ["sock_recv"] = "sockets", ["sock_send"] = "sockets", ["sock_shutdown"] = "sockets",
    };

    public static bool IsKnown(string module, string name) => module == Module && GroupOf.ContainsKey(name);
}
