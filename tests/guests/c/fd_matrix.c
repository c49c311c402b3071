// fd_matrix: calls every fd_* function (and the path_*, poll and sock_* functions that take a descriptor) on each
// kind of descriptor and prints what the host answers, one line per call and kind:
//   <call> <kind>: <errno>[ <what it returned>]
// Kinds: stdin, stdout, stderr, preopen (the first preopened directory), dir (its "sub", opened with path_open),
// file (its "file.txt", opened read-write), and socket (a preopened listening socket, if there is one). The differential tests compare these lines between Wasmtime's WASI and
// Wasmbox's, so every call uses harmless arguments: nothing is written to stdout, nothing outside the preopen changes.
//
// With the argument "opens" it instead prints path_open's answer for every combination of oflags and rights on a
// directory, a file and a missing name (issue 10 item 3):
//   open <name> oflags=<o> rights=<r>: <errno>[ <filetype of the new fd>]
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

// Every right preview1 defines (bits 0-28); a host may refuse unknown bits.
#define ALL_RIGHTS ((__wasi_rights_t)0x1FFFFFFF)

static __wasi_fd_t preopen_fd(void)
{
    for (__wasi_fd_t fd = 3; fd < 64; fd++) {
        __wasi_prestat_t p;
        if (__wasi_fd_prestat_get(fd, &p) == 0) return fd;
    }
    return (__wasi_fd_t)-1;
}

static void line(const char *call, const char *kind, __wasi_errno_t e, const char *extra)
{
    printf("%s %s: %u%s%s\n", call, kind, (unsigned)e, extra[0] ? " " : "", extra);
}

static void matrix(__wasi_fd_t fd, const char *kind)
{
    char extra[160];
    __wasi_errno_t e;
    extra[0] = 0;

    __wasi_fdstat_t st;
    e = __wasi_fd_fdstat_get(fd, &st);
    if (e == 0) snprintf(extra, sizeof extra, "filetype=%u flags=%u", st.fs_filetype, st.fs_flags);
    line("fd_fdstat_get", kind, e, extra);
    extra[0] = 0;

    __wasi_filestat_t fs;
    e = __wasi_fd_filestat_get(fd, &fs);
    if (e == 0) {
        // Device, inode and times differ between hosts by nature; a zeroed stat (stdio) must print as zeros.
        int zero = fs.dev == 0 && fs.ino == 0 && fs.nlink == 0 && fs.size == 0 && fs.atim == 0 && fs.mtim == 0 && fs.ctim == 0;
        snprintf(extra, sizeof extra, "filetype=%u zero=%d", fs.filetype, zero);
    }
    line("fd_filestat_get", kind, e, extra);
    extra[0] = 0;

    line("fd_advise", kind, __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_NORMAL), "");
    line("fd_datasync", kind, __wasi_fd_datasync(fd), "");
    line("fd_sync", kind, __wasi_fd_sync(fd), "");
    line("fd_fdstat_set_flags(0)", kind, __wasi_fd_fdstat_set_flags(fd, 0), "");
    line("fd_fdstat_set_flags(nonblock)", kind, __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK), "");
    line("fd_fdstat_set_flags(sync)", kind, __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC), "");
    line("fd_fdstat_set_flags(0 again)", kind, __wasi_fd_fdstat_set_flags(fd, 0), "");
    line("fd_filestat_set_times(none)", kind, __wasi_fd_filestat_set_times(fd, 0, 0, 0), "");
    line("fd_filestat_set_times(both)", kind,
         __wasi_fd_filestat_set_times(fd, 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW), "");

    __wasi_filesize_t pos = 99;
    e = __wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos);
    if (e == 0) snprintf(extra, sizeof extra, "pos=%llu", (unsigned long long)pos);
    line("fd_seek(0,cur)", kind, e, extra);
    extra[0] = 0;
    e = __wasi_fd_tell(fd, &pos);
    if (e == 0) snprintf(extra, sizeof extra, "pos=%llu", (unsigned long long)pos);
    line("fd_tell", kind, e, extra);
    extra[0] = 0;

    char byte = 0;
    size_t n = 99;
    __wasi_iovec_t iov = { (uint8_t *)&byte, 1 };
    e = __wasi_fd_pread(fd, &iov, 1, 0, &n);
    if (e == 0) snprintf(extra, sizeof extra, "n=%zu", n);
    line("fd_pread", kind, e, extra);
    extra[0] = 0;

    // A zero-length write: allowed where writing is, and invisible in the output either way.
    __wasi_ciovec_t none = { (const uint8_t *)"", 0 };
    e = __wasi_fd_write(fd, &none, 1, &n);
    if (e == 0) snprintf(extra, sizeof extra, "n=%zu", n);
    line("fd_write(0 bytes)", kind, e, extra);
    extra[0] = 0;
    // pwrite of one byte at the file's current end (file: 1 after the truncation below is not yet done, so offset 0).
    __wasi_ciovec_t one = { (const uint8_t *)"P", 1 };
    e = __wasi_fd_pwrite(fd, &one, 1, 0, &n);
    if (e == 0) snprintf(extra, sizeof extra, "n=%zu", n);
    line("fd_pwrite", kind, e, extra);
    extra[0] = 0;

    if (strcmp(kind, "stdin") != 0) { // reading stdin here would eat the input the run gives it
        e = __wasi_fd_read(fd, &iov, 1, &n);
        if (e == 0) snprintf(extra, sizeof extra, "n=%zu", n);
        line("fd_read", kind, e, extra);
        extra[0] = 0;
    }

    uint8_t dirbuf[256];
    e = __wasi_fd_readdir(fd, dirbuf, sizeof dirbuf, 0, &n);
    line("fd_readdir", kind, e, e == 0 ? "ok" : "");

    __wasi_prestat_t pre;
    line("fd_prestat_get", kind, __wasi_fd_prestat_get(fd, &pre), "");
    char name[64];
    line("fd_prestat_dir_name", kind, __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, sizeof name), "");

    // Path calls with this descriptor as the directory; names that do not exist, so nothing changes on success paths.
    __wasi_fd_t opened = 0;
    e = __wasi_path_open(fd, 0, "no-such-entry", 0, __WASI_RIGHTS_FD_READ, 0, 0, &opened);
    line("path_open(missing)", kind, e, "");
    line("path_filestat_get(missing)", kind, __wasi_path_filestat_get(fd, 0, "no-such-entry", &fs), "");
    line("path_unlink_file(missing)", kind, __wasi_path_unlink_file(fd, "no-such-entry"), "");
    line("path_remove_directory(missing)", kind, __wasi_path_remove_directory(fd, "no-such-entry"), "");
    char link[16];
    line("path_readlink(missing)", kind, __wasi_path_readlink(fd, "no-such-entry", (uint8_t *)link, sizeof link, &n), "");

    // Poll this descriptor for reading, and for writing, with a timeout beside it so nothing blocks for long.
    for (int w = 0; w < 2; w++) {
        __wasi_subscription_t subs[2];
        memset(subs, 0, sizeof subs);
        subs[0].userdata = 1;
        subs[0].u.tag = w ? __WASI_EVENTTYPE_FD_WRITE : __WASI_EVENTTYPE_FD_READ;
        if (w) subs[0].u.u.fd_write.file_descriptor = fd; else subs[0].u.u.fd_read.file_descriptor = fd;
        subs[1].userdata = 2;
        subs[1].u.tag = __WASI_EVENTTYPE_CLOCK;
        subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        // Long enough for a ready descriptor to be seen first (Wasmtime checks a file's readiness on another thread).
        subs[1].u.u.clock.timeout = 200000000;
        __wasi_event_t events[2];
        size_t count = 0;
        e = __wasi_poll_oneoff(subs, events, 2, &count);
        // Which subscriptions fired and with what error; the order of events is the host's, so print fd's own first.
        int fd_fired = 0, fd_error = -1;
        for (size_t i = 0; i < count; i++)
            if (events[i].userdata == 1) { fd_fired = 1; fd_error = events[i].error; }
        if (e == 0 && fd_fired) snprintf(extra, sizeof extra, "fd-event error=%d", fd_error);
        line(w ? "poll_oneoff(fd_write)" : "poll_oneoff(fd_read)", kind, e, extra);
        extra[0] = 0;
    }

    line("sock_shutdown", kind, __wasi_sock_shutdown(fd, __WASI_SDFLAGS_WR), "");
    // A listening socket would wait for a connection: make it nonblocking first (EAGAIN then).
    if (strcmp(kind, "socket") == 0) line("fd_fdstat_set_flags(nonblock, for accept)", kind, __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK), "");
    __wasi_fd_t accepted = 0;
    line("sock_accept", kind, __wasi_sock_accept(fd, 0, &accepted), "");

    // Last, because they change the descriptor: truncate (only the file may) and allocate.
    line("fd_filestat_set_size(0)", kind, __wasi_fd_filestat_set_size(fd, 0), "");
    line("fd_allocate", kind, __wasi_fd_allocate(fd, 0, 1), "");
}

static void opens(__wasi_fd_t dir)
{
    static const char *names[] = { ".", "sub", "file.txt", "missing" };
    static const __wasi_oflags_t oflag_set[] = {
        0, __WASI_OFLAGS_DIRECTORY, __WASI_OFLAGS_CREAT, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL,
        __WASI_OFLAGS_TRUNC, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_DIRECTORY,
    };
    __wasi_fdstat_t dirstat;
    if (__wasi_fd_fdstat_get(dir, &dirstat) != 0) { printf("cannot fdstat the preopen\n"); return; }
    const __wasi_rights_t rights_set[] = {
        0,
        __WASI_RIGHTS_FD_READ,
        __WASI_RIGHTS_FD_WRITE,
        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE,
        __WASI_RIGHTS_FD_READDIR,
        __WASI_RIGHTS_FD_DATASYNC,
        dirstat.fs_rights_base,       // "the directory's own rights", as a program that reopens "." passes them
        dirstat.fs_rights_inheriting, // what wasi-libc's open() derives its rights from
    };
    const char *rights_names[] = { "0", "read", "write", "read+write", "readdir", "datasync", "base", "inheriting" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        for (size_t o = 0; o < sizeof oflag_set / sizeof oflag_set[0]; o++)
            for (size_t r = 0; r < sizeof rights_set / sizeof rights_set[0]; r++) {
                __wasi_fd_t fd = 0;
                __wasi_errno_t e = __wasi_path_open(dir, 0, names[i], oflag_set[o], rights_set[r], rights_set[r], 0, &fd);
                char extra[64] = "";
                if (e == 0) {
                    __wasi_fdstat_t st;
                    __wasi_errno_t s = __wasi_fd_fdstat_get(fd, &st);
                    snprintf(extra, sizeof extra, " filetype=%u", s == 0 ? st.fs_filetype : 255);
                    if (__wasi_fd_close(fd) != 0) printf("cannot close\n");
                }
                printf("open %s oflags=%u rights=%s: %u%s\n", names[i], oflag_set[o], rights_names[r], e, extra);
                // Keep the next open's starting point the same: a created "missing" goes away, a truncated file refills.
                if (e == 0 && strcmp(names[i], "missing") == 0) {
                    if (__wasi_path_unlink_file(dir, "missing") != 0 && __wasi_path_remove_directory(dir, "missing") != 0)
                        printf("cannot remove missing\n");
                }
                if (e == 0 && strcmp(names[i], "file.txt") == 0 && (oflag_set[o] & __WASI_OFLAGS_TRUNC)) {
                    __wasi_fd_t w;
                    if (__wasi_path_open(dir, 0, "file.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &w) == 0) {
                        __wasi_ciovec_t c = { (const uint8_t *)"data\n", 5 };
                        size_t n;
                        if (__wasi_fd_write(w, &c, 1, &n) != 0) printf("cannot refill file.txt\n");
                        if (__wasi_fd_close(w) != 0) printf("cannot close\n");
                    }
                }
            }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); // each line reaches the host before the next call, even if one traps
    __wasi_fd_t pre = preopen_fd();
    if (pre == (__wasi_fd_t)-1) { printf("no preopen\n"); return 2; }
    if (argc > 1 && strcmp(argv[1], "opens") == 0) { opens(pre); return 0; }

    // "sub" as wasi-libc's open(O_RDONLY | O_DIRECTORY) opens it: every right the preopen passes on but writing.
    __wasi_fdstat_t prestat;
    if (__wasi_fd_fdstat_get(pre, &prestat) != 0) { printf("cannot fdstat the preopen\n"); return 2; }
    __wasi_fd_t dir = 0, file = 0;
    const __wasi_rights_t write_rights = __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_ALLOCATE
                                         | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE;
    __wasi_errno_t e = __wasi_path_open(pre, 0, "sub", __WASI_OFLAGS_DIRECTORY, prestat.fs_rights_inheriting & ~write_rights,
                                        prestat.fs_rights_inheriting, 0, &dir);
    if (e != 0) { printf("cannot open sub: %u\n", e); return 2; }
    e = __wasi_path_open(pre, 0, "file.txt", 0, ALL_RIGHTS, ALL_RIGHTS, 0, &file);
    if (e != 0) { printf("cannot open file.txt: %u\n", e); return 2; }

    matrix(0, "stdin");
    matrix(1, "stdout");
    matrix(2, "stderr");
    matrix(pre, "preopen");
    matrix(dir, "dir");
    matrix(file, "file");
    // A listening socket, when the host preopened one (Wasmbox's --listen; Wasmtime's WASI has none to compare).
    for (__wasi_fd_t fd = 3; fd < 64; fd++) {
        __wasi_fdstat_t st;
        if (__wasi_fd_fdstat_get(fd, &st) == 0 && st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM) { matrix(fd, "socket"); break; }
    }
    fflush(stdout);
    return 0;
}
