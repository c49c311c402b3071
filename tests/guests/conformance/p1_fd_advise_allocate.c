/* fd_advise accepts every advice value on a file and (others: p1_invalid_enums);
 * fd_allocate makes the file at least offset+len long and never shrinks it. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "advise.bin", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "0123456789");

    for (__wasi_advice_t a = __WASI_ADVICE_NORMAL; a <= __WASI_ADVICE_NOREUSE; a++) OK(__wasi_fd_advise(fd, 0, 10, a));
    CHECK_ERRNO(__wasi_fd_advise(999, 0, 10, __WASI_ADVICE_NORMAL), __WASI_ERRNO_BADF);

    OK(__wasi_fd_allocate(fd, 0, 4096));
    __wasi_filestat_t st;
    OK(__wasi_fd_filestat_get(fd, &st));
    CHECK(st.size == 4096);
    OK(__wasi_fd_allocate(fd, 0, 16)); /* inside the file: no shrink */
    OK(__wasi_fd_filestat_get(fd, &st));
    CHECK(st.size == 4096);
    CHECK_ERRNO(__wasi_fd_allocate(999, 0, 1), __WASI_ERRNO_BADF);
    OK(__wasi_fd_close(fd));
    return p1_done();
}
