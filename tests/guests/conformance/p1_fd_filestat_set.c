/* fd_filestat_set_size grows (zero-filled) and shrinks; fd_filestat_set_times keeps sub-second times;
 * *_now flags; a time together with its _now flag is EINVAL. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "stat.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "hello");
    __wasi_filestat_t st;

    OK(__wasi_fd_filestat_set_size(fd, 100));
    OK(__wasi_fd_filestat_get(fd, &st));
    CHECK(st.size == 100);
    CHECK(st.filetype == __WASI_FILETYPE_REGULAR_FILE);
    OK(__wasi_fd_filestat_set_size(fd, 2));
    OK(__wasi_fd_filestat_get(fd, &st));
    CHECK(st.size == 2);

    const __wasi_timestamp_t atim = 1000000000ull * 1500000000ull + 123456789ull;
    const __wasi_timestamp_t mtim = 1000000000ull * 1600000000ull + 987654321ull;
    OK(__wasi_fd_filestat_set_times(fd, atim, mtim, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    OK(__wasi_fd_filestat_get(fd, &st));
    CHECK(st.atim == atim);
    CHECK(st.mtim == mtim);

    /* Only mtim: atim stays. */
    OK(__wasi_fd_filestat_set_times(fd, 0, mtim + 1, __WASI_FSTFLAGS_MTIM));
    OK(__wasi_fd_filestat_get(fd, &st));
    CHECK(st.atim == atim);
    CHECK(st.mtim == mtim + 1);

    /* mtim_now: a time after 2020. */
    OK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    OK(__wasi_fd_filestat_get(fd, &st));
    CHECK(st.mtim > 1000000000ull * 1577836800ull);
    CHECK(st.atim == atim);

    CHECK_ERRNO(__wasi_fd_filestat_set_times(fd, atim, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_fd_filestat_set_times(fd, 0, mtim, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_fd_filestat_set_size(999, 1), __WASI_ERRNO_BADF);
    OK(__wasi_fd_close(fd));
    return p1_done();
}
