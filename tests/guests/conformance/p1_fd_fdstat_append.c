/* fd_fdstat_set_flags(append): writes go to the end whatever the position; fd_fdstat_get reports the flag. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "append.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "start");
    __wasi_fdstat_t st;
    OK(__wasi_fd_fdstat_get(fd, &st));
    CHECK(st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE);
    CHECK((st.fs_flags & __WASI_FDFLAGS_APPEND) == 0);

    OK(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    OK(__wasi_fd_fdstat_get(fd, &st));
    CHECK((st.fs_flags & __WASI_FDFLAGS_APPEND) != 0);

    __wasi_filesize_t pos;
    OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    p1_write(fd, "+end");
    char buf[16] = {0};
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t n = 0;
    OK(__wasi_fd_pread(fd, &iov, 1, 0, &n));
    CHECK(n == 9 && memcmp(buf, "start+end", 9) == 0);

    /* An fd opened with append from the start reports it too. */
    __wasi_fd_t fd2 = p1_open(rw, "append.txt", 0, __WASI_FDFLAGS_APPEND);
    OK(__wasi_fd_fdstat_get(fd2, &st));
    CHECK((st.fs_flags & __WASI_FDFLAGS_APPEND) != 0);
    OK(__wasi_fd_close(fd2));

    OK(__wasi_fd_fdstat_set_flags(fd, 0));
    OK(__wasi_fd_fdstat_get(fd, &st));
    CHECK((st.fs_flags & __WASI_FDFLAGS_APPEND) == 0);
    CHECK_ERRNO(__wasi_fd_fdstat_set_flags(999, 0), __WASI_ERRNO_BADF);
    OK(__wasi_fd_close(fd));
    return p1_done();
}
