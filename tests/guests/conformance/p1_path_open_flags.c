/* path_open: creat|excl on an existing file is EEXIST, directory on a file ENOTDIR, a missing file without creat
 * ENOENT, trunc empties, `..` inside the grant works, `..` above it is refused, fd_prestat_* name the grant. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_prestat_t pre;
    OK(__wasi_fd_prestat_get(rw, &pre));
    CHECK(pre.tag == __WASI_PREOPENTYPE_DIR);
    CHECK(pre.u.dir.pr_name_len == 3);
    char name[3];
    OK(__wasi_fd_prestat_dir_name(rw, (uint8_t *)name, 3));
    CHECK(memcmp(name, "/rw", 3) == 0);

    __wasi_fd_t fd = p1_open(rw, "o.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0);
    p1_write(fd, "12345");
    OK(__wasi_fd_close(fd));
    __wasi_fd_t x = -1;
    CHECK_ERRNO(__wasi_path_open(rw, 0, "o.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, P1_ALL_RIGHTS, 0, 0, &x), __WASI_ERRNO_EXIST);
    CHECK_ERRNO(__wasi_path_open(rw, 0, "o.txt", __WASI_OFLAGS_DIRECTORY, P1_ALL_RIGHTS, 0, 0, &x), __WASI_ERRNO_NOTDIR);
    CHECK_ERRNO(__wasi_path_open(rw, 0, "nope.txt", 0, P1_ALL_RIGHTS, 0, 0, &x), __WASI_ERRNO_NOENT);

    fd = p1_open(rw, "o.txt", __WASI_OFLAGS_TRUNC, 0);
    __wasi_filestat_t st;
    OK(__wasi_fd_filestat_get(fd, &st));
    CHECK(st.size == 0);
    OK(__wasi_fd_close(fd));

    OK(__wasi_path_create_directory(rw, "sub"));
    fd = p1_open(rw, "sub/../o.txt", 0, 0);
    OK(__wasi_fd_close(fd));
    __wasi_errno_t e = __wasi_path_open(rw, 0, "../o.txt", 0, P1_ALL_RIGHTS, 0, 0, &x);
    CHECK(e == __WASI_ERRNO_NOTCAPABLE || e == __WASI_ERRNO_PERM);
    e = __wasi_path_open(rw, 0, "/etc/passwd", 0, P1_ALL_RIGHTS, 0, 0, &x);
    CHECK(e == __WASI_ERRNO_NOTCAPABLE || e == __WASI_ERRNO_PERM);

    /* A directory fd from path_open is a capability of its own: a base for opens beneath it, not above it. */
    __wasi_fd_t sub = p1_open_dir(rw, "sub");
    fd = p1_open(sub, "inner.txt", __WASI_OFLAGS_CREAT, 0);
    OK(__wasi_fd_close(fd));
    OK(__wasi_path_filestat_get(rw, 0, "sub/inner.txt", &st));
    e = __wasi_path_open(sub, 0, "../o.txt", 0, P1_ALL_RIGHTS, 0, 0, &x);
    CHECK(e == __WASI_ERRNO_NOTCAPABLE || e == __WASI_ERRNO_PERM);
    OK(__wasi_fd_fdstat_get(sub, &(__wasi_fdstat_t){0}));
    OK(__wasi_fd_close(sub));
    CHECK_ERRNO(__wasi_fd_prestat_get(sub, &pre), __WASI_ERRNO_BADF);
    return p1_done();
}
