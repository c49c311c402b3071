/* path_rename moves files and directories, replaces an existing file, refuses a file over a directory (EISDIR)
 * and a directory over a non-empty one (ENOTEMPTY); the old name is gone afterwards. */
#include "p1.h"

static int exists(__wasi_fd_t dir, const char *path) {
    __wasi_filestat_t st;
    return __wasi_path_filestat_get(dir, 0, path, &st) == __WASI_ERRNO_SUCCESS;
}

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "from.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "moved");
    OK(__wasi_fd_close(fd));

    OK(__wasi_path_rename(rw, "from.txt", rw, "to.txt"));
    CHECK(!exists(rw, "from.txt"));
    __wasi_filestat_t st;
    OK(__wasi_path_filestat_get(rw, 0, "to.txt", &st));
    CHECK(st.size == 5);

    /* Over an existing file: replaced. */
    fd = p1_open(rw, "other.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "xx");
    OK(__wasi_fd_close(fd));
    OK(__wasi_path_rename(rw, "other.txt", rw, "to.txt"));
    OK(__wasi_path_filestat_get(rw, 0, "to.txt", &st));
    CHECK(st.size == 2);
    CHECK(!exists(rw, "other.txt"));

    /* Directories, and into a subdirectory. */
    OK(__wasi_path_create_directory(rw, "d1"));
    OK(__wasi_path_rename(rw, "d1", rw, "d2"));
    CHECK(!exists(rw, "d1"));
    OK(__wasi_path_filestat_get(rw, 0, "d2", &st));
    CHECK(st.filetype == __WASI_FILETYPE_DIRECTORY);
    OK(__wasi_path_rename(rw, "to.txt", rw, "d2/in.txt"));
    CHECK(exists(rw, "d2/in.txt"));

    CHECK_ERRNO(__wasi_path_rename(rw, "missing", rw, "x"), __WASI_ERRNO_NOENT);
    fd = p1_open(rw, "f.txt", __WASI_OFLAGS_CREAT, 0);
    OK(__wasi_fd_close(fd));
    CHECK_ERRNO(__wasi_path_rename(rw, "f.txt", rw, "d2"), __WASI_ERRNO_ISDIR);
    OK(__wasi_path_create_directory(rw, "d3"));
    CHECK_ERRNO(__wasi_path_rename(rw, "d3", rw, "d2"), __WASI_ERRNO_NOTEMPTY);
    CHECK_ERRNO(__wasi_path_rename(rw, "d3", rw, "f.txt"), __WASI_ERRNO_NOTDIR);
    return p1_done();
}
