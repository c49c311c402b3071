/* An enum argument outside its witx cases is EINVAL (clockid, advice, whence, signal), and so is a flags argument with
 * bits the witx does not define (oflags, fdflags, fstflags, lookupflags, sdflags). Each call is checked before it can
 * touch anything. (docs/wasi-deviations.md: Wasmtime traps instead.) */
#include "p1.h"

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
uint32_t p1_proc_raise(uint32_t sig);

int main(void) {
    __wasi_timestamp_t t = 0;
    CHECK_ERRNO(__wasi_clock_res_get(4, &t), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_clock_time_get(99, 1, &t), __WASI_ERRNO_INVAL);
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "enums.txt", __WASI_OFLAGS_CREAT, 0);
    CHECK_ERRNO(__wasi_fd_advise(fd, 0, 10, 6), __WASI_ERRNO_INVAL);
    __wasi_filesize_t pos = 0;
    CHECK_ERRNO(__wasi_fd_seek(fd, 0, 3, &pos), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(p1_proc_raise(31), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(p1_proc_raise(200), __WASI_ERRNO_INVAL);

    __wasi_fd_t x = -1;
    CHECK_ERRNO(__wasi_path_open(rw, 0, "new.txt", 0x10, P1_ALL_RIGHTS, 0, 0, &x), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_path_open(rw, 0x2, "new.txt", __WASI_OFLAGS_CREAT, P1_ALL_RIGHTS, 0, 0, &x), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_path_open(rw, 0, "new.txt", __WASI_OFLAGS_CREAT, P1_ALL_RIGHTS, 0, 0x20, &x), __WASI_ERRNO_INVAL);
    __wasi_filestat_t st;
    CHECK_ERRNO(__wasi_path_filestat_get(rw, 0, "new.txt", &st), __WASI_ERRNO_NOENT); /* nothing was created */
    CHECK_ERRNO(__wasi_fd_fdstat_set_flags(fd, 0x20), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_fd_filestat_set_times(fd, 0, 0, 0x10), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_path_filestat_set_times(rw, 0, "enums.txt", 0, 0, 0x10), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_path_filestat_get(rw, 0x2, "enums.txt", &st), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_path_link(rw, 0x2, "enums.txt", rw, "enums2.txt"), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_path_filestat_get(rw, 0, "enums2.txt", &st), __WASI_ERRNO_NOENT);
    OK(__wasi_fd_close(fd));
    return p1_done();
}
