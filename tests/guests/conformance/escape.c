/* Escape attempts for GuestEscapeTests: each prints "<attempt> errno=<n>" with the errno the host returned (0 when it
 * let the call through), so the test can assert each one and then that nothing outside the grants changed.
 * Usage: escape symlink-out | rename-out | link-out | ro-writes | swap
 * Grants as in p1.h: /rw (read-write), /ro (read-only), and beside them on the host an "outside" folder. */
#include <stdlib.h>
#include <time.h>
#include "p1.h"

#define TRY(name, call) printf("%s errno=%d\n", name, (int)(call))

static __wasi_fd_t rw, ro;

static __wasi_errno_t open_with(__wasi_fd_t dir, const char *path, __wasi_lookupflags_t look, __wasi_oflags_t oflags,
                                __wasi_rights_t rights, __wasi_fdflags_t fdflags) {
    __wasi_fd_t fd = -1;
    __wasi_errno_t e = __wasi_path_open(dir, look, path, oflags, rights, rights, fdflags, &fd);
    if (e == __WASI_ERRNO_SUCCESS) {
        char buf[64];
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
        __wasi_size_t n = 0;
        if (__wasi_fd_read(fd, &iov, 1, &n) == __WASI_ERRNO_SUCCESS && n > 0) printf("read %u bytes through it\n", (unsigned)n);
        (void)__wasi_fd_close(fd);
    }
    return e;
}

static __wasi_fd_t make_file(const char *name) {
    __wasi_fd_t fd = p1_open(rw, name, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "guest data");
    return fd;
}

static void symlink_out(void) {
    TRY("symlink-relative", __wasi_path_symlink("../outside/secret.txt", rw, "out"));
    TRY("symlink-absolute", __wasi_path_symlink("/etc/passwd", rw, "abs"));
    TRY("open-read-through", open_with(rw, "out", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, 0, P1_ALL_RIGHTS, 0));
    TRY("open-write-through", open_with(rw, "out", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, __WASI_OFLAGS_TRUNC, P1_ALL_RIGHTS, 0));
    TRY("open-absolute-through", open_with(rw, "abs", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, 0, P1_ALL_RIGHTS, 0));
    __wasi_filestat_t st;
    TRY("stat-through", __wasi_path_filestat_get(rw, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "out", &st));
    TRY("utimes-through", __wasi_path_filestat_set_times(rw, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "out", 1, 1,
                                                         __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    TRY("symlink-to-outside-dir", __wasi_path_symlink("../outside", rw, "outdir"));
    TRY("create-beneath-link", open_with(rw, "outdir/planted.txt", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW,
                                         __WASI_OFLAGS_CREAT, P1_ALL_RIGHTS, 0));
    TRY("unlink-beneath-link", __wasi_path_unlink_file(rw, "outdir/secret.txt"));
}

static void rename_out(void) {
    (void)__wasi_fd_close(make_file("f"));
    TRY("rename-dotdot", __wasi_path_rename(rw, "f", rw, "../outside/f"));
    TRY("rename-into-ro", __wasi_path_rename(rw, "f", ro, "f"));
    TRY("rename-out-of-ro", __wasi_path_rename(ro, "in.txt", rw, "stolen"));
    TRY("rename-outside-in", __wasi_path_rename(rw, "../outside/secret.txt", rw, "got"));
    TRY("rename-absolute", __wasi_path_rename(rw, "f", rw, "/tmp/f"));
}

static void link_out(void) {
    (void)__wasi_fd_close(make_file("f"));
    TRY("link-dotdot", __wasi_path_link(rw, 0, "f", rw, "../outside/f"));
    TRY("link-into-ro", __wasi_path_link(rw, 0, "f", ro, "f"));
    TRY("link-out-of-ro", __wasi_path_link(ro, 0, "in.txt", rw, "ln"));
    TRY("link-outside-in", __wasi_path_link(rw, 0, "../outside/secret.txt", rw, "ln2"));
    TRY("link-ro-link-followed", __wasi_path_link(ro, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link", rw, "ln3"));
}

static void ro_writes(void) {
    __wasi_rights_t w = P1_ALL_RIGHTS;
    TRY("open-write", open_with(ro, "in.txt", 0, 0, w, 0));
    TRY("open-trunc", open_with(ro, "in.txt", 0, __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, 0));
    TRY("open-creat", open_with(ro, "new.txt", 0, __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0));
    TRY("open-append", open_with(ro, "in.txt", 0, 0, __WASI_RIGHTS_FD_READ, __WASI_FDFLAGS_APPEND));
    TRY("unlink", __wasi_path_unlink_file(ro, "in.txt"));
    TRY("unlink-link", __wasi_path_unlink_file(ro, "link"));
    TRY("rename-within", __wasi_path_rename(ro, "in.txt", ro, "moved.txt"));
    TRY("mkdir", __wasi_path_create_directory(ro, "newdir"));
    TRY("rmdir", __wasi_path_remove_directory(ro, "sub"));
    TRY("symlink", __wasi_path_symlink("in.txt", ro, "l2"));
    TRY("link-within", __wasi_path_link(ro, 0, "in.txt", ro, "in2.txt"));
    TRY("utimes", __wasi_path_filestat_set_times(ro, 0, "in.txt", 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    TRY("utimes-now", __wasi_path_filestat_set_times(ro, 0, "sub", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));

    /* An fd opened for reading (the only way in) cannot be turned into a writer. */
    __wasi_fd_t fd = -1;
    TRY("open-read", __wasi_path_open(ro, 0, "in.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK |
                                      __WASI_RIGHTS_FD_FILESTAT_GET, 0, 0, &fd));
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    __wasi_size_t n = 0;
    TRY("fd_write", __wasi_fd_write(fd, &iov, 1, &n));
    TRY("fd_pwrite", __wasi_fd_pwrite(fd, &iov, 1, 0, &n));
    TRY("fd_filestat_set_size", __wasi_fd_filestat_set_size(fd, 0));
    TRY("fd_filestat_set_times", __wasi_fd_filestat_set_times(fd, 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    TRY("fd_allocate", __wasi_fd_allocate(fd, 0, 4096));
    TRY("fd_fdstat_set_rights-up", __wasi_fd_fdstat_set_rights(fd, P1_ALL_RIGHTS, 0));
    (void)__wasi_fd_close(fd);
    /* The grant's own directory fd: it was preopened read-only. */
    TRY("preopen-fd_filestat_set_times", __wasi_fd_filestat_set_times(ro, 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
}

static int exists(const char *path) {
    __wasi_filestat_t st;
    return __wasi_path_filestat_get(rw, 0, path, &st) == __WASI_ERRNO_SUCCESS;
}

static void sleep_ms(int ms) {
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* The test swaps /rw/d for a symlink to the outside folder between our two groups of calls: we say "ready" by making
 * /rw/ready and wait (at most 10 s) for /rw/go. */
static void swap(void) {
    __wasi_filestat_t st;
    TRY("before-stat", __wasi_path_filestat_get(rw, 0, "d/secret.txt", &st));
    (void)__wasi_fd_close(p1_open(rw, "ready", __WASI_OFLAGS_CREAT, 0));
    int waited = 0;
    while (!exists("go") && waited < 10000) { sleep_ms(10); waited += 10; }
    if (!exists("go")) { printf("timed out waiting for go\n"); return; }
    TRY("after-stat", __wasi_path_filestat_get(rw, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "d/secret.txt", &st));
    TRY("after-open-read", open_with(rw, "d/secret.txt", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, 0, P1_ALL_RIGHTS, 0));
    TRY("after-open-trunc", open_with(rw, "d/secret.txt", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, __WASI_OFLAGS_TRUNC, P1_ALL_RIGHTS, 0));
    TRY("after-create", open_with(rw, "d/planted.txt", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, __WASI_OFLAGS_CREAT, P1_ALL_RIGHTS, 0));
    TRY("after-unlink", __wasi_path_unlink_file(rw, "d/secret.txt"));
    TRY("after-mkdir", __wasi_path_create_directory(rw, "d/newdir"));
    TRY("after-rename", __wasi_path_rename(rw, "d/secret.txt", rw, "taken.txt"));
}

int main(int argc, char **argv) {
    rw = p1_preopen("/rw");
    ro = p1_preopen("/ro");
    const char *what = argc > 1 ? argv[1] : "";
    if (strcmp(what, "symlink-out") == 0) symlink_out();
    else if (strcmp(what, "rename-out") == 0) rename_out();
    else if (strcmp(what, "link-out") == 0) link_out();
    else if (strcmp(what, "ro-writes") == 0) ro_writes();
    else if (strcmp(what, "swap") == 0) swap();
    else { printf("unknown attempt: %s\n", what); return 2; }
    return p1_done();
}
