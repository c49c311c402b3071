/* sock_* on descriptors that are not sockets: a file or a directory is ENOTSOCK, a closed number is EBADF. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t file = p1_open(rw, "notsock.txt", __WASI_OFLAGS_CREAT, 0);
    __wasi_fd_t got = -1;
    char buf[8];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
    __wasi_size_t n = 0;
    __wasi_roflags_t ro = 0;

    CHECK_ERRNO(__wasi_sock_accept(file, 0, &got), __WASI_ERRNO_NOTSOCK);
    CHECK_ERRNO(__wasi_sock_accept(rw, 0, &got), __WASI_ERRNO_NOTSOCK);
    CHECK_ERRNO(__wasi_sock_accept(999, 0, &got), __WASI_ERRNO_BADF);
    CHECK_ERRNO(__wasi_sock_recv(file, &iov, 1, 0, &n, &ro), __WASI_ERRNO_NOTSOCK);
    CHECK_ERRNO(__wasi_sock_send(file, &ciov, 1, 0, &n), __WASI_ERRNO_NOTSOCK);
    CHECK_ERRNO(__wasi_sock_shutdown(file, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK);
    CHECK_ERRNO(__wasi_sock_recv(999, &iov, 1, 0, &n, &ro), __WASI_ERRNO_BADF);
    CHECK_ERRNO(__wasi_sock_send(999, &ciov, 1, 0, &n), __WASI_ERRNO_BADF);
    CHECK_ERRNO(__wasi_sock_shutdown(999, __WASI_SDFLAGS_RD), __WASI_ERRNO_BADF);
    OK(__wasi_fd_close(file));
    CHECK_ERRNO(__wasi_sock_accept(file, 0, &got), __WASI_ERRNO_BADF);
    return p1_done();
}
