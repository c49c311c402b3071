/* fd_sync and fd_datasync succeed on a written file; a closed fd is EBADF. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "sync.txt", __WASI_OFLAGS_CREAT, 0);
    p1_write(fd, "durable");
    OK(__wasi_fd_datasync(fd));
    OK(__wasi_fd_sync(fd));
    OK(__wasi_fd_close(fd));
    CHECK_ERRNO(__wasi_fd_sync(fd), __WASI_ERRNO_BADF);
    CHECK_ERRNO(__wasi_fd_datasync(fd), __WASI_ERRNO_BADF);
    return p1_done();
}
