/* path_link makes a second name for the same file (nlink 2, same inode, shared contents);
 * an existing new name is EEXIST, a missing old one ENOENT, a directory EPERM. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "orig.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "shared");
    OK(__wasi_fd_close(fd));

    OK(__wasi_path_link(rw, 0, "orig.txt", rw, "alias.txt"));
    __wasi_filestat_t a, b;
    OK(__wasi_path_filestat_get(rw, 0, "orig.txt", &a));
    OK(__wasi_path_filestat_get(rw, 0, "alias.txt", &b));
    CHECK(a.ino == b.ino);
    CHECK(a.dev == b.dev);
    CHECK(a.nlink == 2);
    CHECK(b.size == 6);

    fd = p1_open(rw, "alias.txt", 0, __WASI_FDFLAGS_APPEND);
    p1_write(fd, "!");
    OK(__wasi_fd_close(fd));
    OK(__wasi_path_filestat_get(rw, 0, "orig.txt", &a));
    CHECK(a.size == 7);

    CHECK_ERRNO(__wasi_path_link(rw, 0, "orig.txt", rw, "alias.txt"), __WASI_ERRNO_EXIST);
    CHECK_ERRNO(__wasi_path_link(rw, 0, "missing.txt", rw, "x.txt"), __WASI_ERRNO_NOENT);
    OK(__wasi_path_create_directory(rw, "ldir"));
    CHECK_ERRNO(__wasi_path_link(rw, 0, "ldir", rw, "ldir2"), __WASI_ERRNO_PERM);

    OK(__wasi_path_unlink_file(rw, "orig.txt"));
    OK(__wasi_path_filestat_get(rw, 0, "alias.txt", &b));
    CHECK(b.nlink == 1);
    return p1_done();
}
