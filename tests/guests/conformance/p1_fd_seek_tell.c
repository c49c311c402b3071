/* fd_seek with every whence (set, cur, end), fd_tell agrees, a negative result is EINVAL
 * (a bad whence: p1_invalid_enums). */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "seek.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "0123456789");
    __wasi_filesize_t pos = 99, told = 99;

    OK(__wasi_fd_seek(fd, 3, __WASI_WHENCE_SET, &pos));
    CHECK(pos == 3);
    OK(__wasi_fd_tell(fd, &told));
    CHECK(told == 3);
    OK(__wasi_fd_seek(fd, 2, __WASI_WHENCE_CUR, &pos));
    CHECK(pos == 5);
    OK(__wasi_fd_seek(fd, -1, __WASI_WHENCE_CUR, &pos));
    CHECK(pos == 4);
    OK(__wasi_fd_seek(fd, -2, __WASI_WHENCE_END, &pos));
    CHECK(pos == 8);
    OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos));
    CHECK(pos == 8);

    char c[2] = {0};
    __wasi_iovec_t iov = {(uint8_t *)c, 2};
    __wasi_size_t n = 0;
    OK(__wasi_fd_read(fd, &iov, 1, &n));
    CHECK(n == 2 && c[0] == '8' && c[1] == '9');
    OK(__wasi_fd_tell(fd, &told));
    CHECK(told == 10);

    /* Beyond the end is allowed; before the start is not. */
    OK(__wasi_fd_seek(fd, 5, __WASI_WHENCE_END, &pos));
    CHECK(pos == 15);
    CHECK_ERRNO(__wasi_fd_seek(fd, -100, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_fd_seek(fd, -100, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_INVAL);
    OK(__wasi_fd_tell(fd, &told));
    CHECK(told == 15);

    CHECK_ERRNO(__wasi_fd_seek(999, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_BADF);
    CHECK_ERRNO(__wasi_fd_tell(999, &told), __WASI_ERRNO_BADF);
    OK(__wasi_fd_close(fd));
    return p1_done();
}
