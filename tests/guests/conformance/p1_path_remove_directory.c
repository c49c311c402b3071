/* path_remove_directory removes an empty directory; non-empty is ENOTEMPTY, a file ENOTDIR, missing ENOENT;
 * path_unlink_file on a directory is EISDIR. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    OK(__wasi_path_create_directory(rw, "empty"));
    CHECK_ERRNO(__wasi_path_create_directory(rw, "empty"), __WASI_ERRNO_EXIST);
    OK(__wasi_path_remove_directory(rw, "empty"));
    __wasi_filestat_t st;
    CHECK_ERRNO(__wasi_path_filestat_get(rw, 0, "empty", &st), __WASI_ERRNO_NOENT);

    OK(__wasi_path_create_directory(rw, "full"));
    __wasi_fd_t fd = p1_open(rw, "full/file", __WASI_OFLAGS_CREAT, 0);
    OK(__wasi_fd_close(fd));
    CHECK_ERRNO(__wasi_path_remove_directory(rw, "full"), __WASI_ERRNO_NOTEMPTY);
    CHECK_ERRNO(__wasi_path_remove_directory(rw, "full/file"), __WASI_ERRNO_NOTDIR);
    CHECK_ERRNO(__wasi_path_remove_directory(rw, "missing"), __WASI_ERRNO_NOENT);
    CHECK_ERRNO(__wasi_path_unlink_file(rw, "full"), __WASI_ERRNO_ISDIR);
    OK(__wasi_path_unlink_file(rw, "full/file"));
    CHECK_ERRNO(__wasi_path_unlink_file(rw, "full/file"), __WASI_ERRNO_NOENT);
    OK(__wasi_path_remove_directory(rw, "full"));
    return p1_done();
}
