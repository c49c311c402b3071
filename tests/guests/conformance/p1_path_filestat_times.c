/* path_filestat_set_times keeps nanoseconds; path_filestat_get reports them; without SYMLINK_FOLLOW the link's own
 * times change, with it the target's; bad flag combinations are EINVAL. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "times.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "t");
    OK(__wasi_fd_close(fd));

    const __wasi_timestamp_t atim = 1000000000ull * 1400000000ull + 1ull;
    const __wasi_timestamp_t mtim = 1000000000ull * 1450000000ull + 999999999ull;
    OK(__wasi_path_filestat_set_times(rw, 0, "times.txt", atim, mtim, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    __wasi_filestat_t st;
    OK(__wasi_path_filestat_get(rw, 0, "times.txt", &st));
    CHECK(st.atim == atim);
    CHECK(st.mtim == mtim);
    CHECK(st.size == 1);
    CHECK(st.nlink == 1);
    CHECK(st.filetype == __WASI_FILETYPE_REGULAR_FILE);

    /* Through a symlink, following it: the target changes. */
    OK(__wasi_path_symlink("times.txt", rw, "tlink"));
    OK(__wasi_path_filestat_set_times(rw, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "tlink", 0, mtim + 5, __WASI_FSTFLAGS_MTIM));
    OK(__wasi_path_filestat_get(rw, 0, "times.txt", &st));
    CHECK(st.mtim == mtim + 5);
    CHECK(st.atim == atim);

    /* Not following: the link's own times change, the target's stay. */
    OK(__wasi_path_filestat_set_times(rw, 0, "tlink", 0, mtim - 5, __WASI_FSTFLAGS_MTIM));
    OK(__wasi_path_filestat_get(rw, 0, "tlink", &st));
    CHECK(st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK(st.mtim == mtim - 5);
    OK(__wasi_path_filestat_get(rw, 0, "times.txt", &st));
    CHECK(st.mtim == mtim + 5);

    /* Directories too. */
    OK(__wasi_path_create_directory(rw, "tdir"));
    OK(__wasi_path_filestat_set_times(rw, 0, "tdir", atim, mtim, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    OK(__wasi_path_filestat_get(rw, 0, "tdir", &st));
    CHECK(st.filetype == __WASI_FILETYPE_DIRECTORY);
    CHECK(st.mtim == mtim);

    CHECK_ERRNO(__wasi_path_filestat_set_times(rw, 0, "times.txt", atim, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_path_filestat_set_times(rw, 0, "missing", atim, 0, __WASI_FSTFLAGS_ATIM), __WASI_ERRNO_NOENT);
    CHECK_ERRNO(__wasi_path_filestat_get(rw, 0, "missing", &st), __WASI_ERRNO_NOENT);
    return p1_done();
}
