namespace Wasmbox.Runtime.Wasi;

/// <summary>
/// The 46 functions of <c>wasi_snapshot_preview1</c> (WebAssembly/WASI legacy/preview1/docs.md), and the WASIX socket
/// functions of <c>wasix_32v1</c>, grouped by the capability they reach. <c>wasmbox inspect</c> reports the groups; the runner refuses imports outside this list
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

    /// <summary>The WASIX import module whose socket functions Wasmbox serves (WasiHost's Wasix.cs).</summary>
    public const string WasixModule = "wasix_32v1";

    /// <summary>
    /// The WASIX functions served, all in the capability group <c>net</c>: a guest's own sockets, name resolution, and the
    /// preview1 socket calls again under WASIX's module name (wasix-libc imports them from there).
    /// </summary>
    public static readonly IReadOnlySet<string> WasixFunctions = new HashSet<string>
    {
        "sock_open", "sock_bind", "sock_listen", "sock_connect", "sock_accept", "sock_accept_v2",
        "sock_send", "sock_send_to", "sock_recv", "sock_recv_from", "sock_shutdown",
        "sock_addr_local", "sock_addr_peer", "sock_status", "resolve",
        "sock_set_opt_flag", "sock_get_opt_flag", "sock_set_opt_time", "sock_get_opt_time",
        "sock_set_opt_size", "sock_get_opt_size",
    };

    public static bool IsKnown(string module, string name) =>
        module == Module ? GroupOf.ContainsKey(name) : module == WasixModule && WasixFunctions.Contains(name);

    /// <summary>The capability group of an import, or null when Wasmbox does not serve it.</summary>
    public static string? Group(string module, string name) =>
        module == Module ? GroupOf.GetValueOrDefault(name) : module == WasixModule && WasixFunctions.Contains(name) ? "net" : null;
}
