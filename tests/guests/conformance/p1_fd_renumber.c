/* fd_renumber moves an fd onto another open number: the target now names the file, the source is closed.
 * Renumbering from or to a closed fd is EBADF. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t a = p1_open(rw, "a.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    __wasi_fd_t b = p1_open(rw, "b.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    CHECK(a != b);
    OK(__wasi_fd_renumber(a, b));

    p1_write(b, "via b"); /* lands in a.txt */
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(a, &st), __WASI_ERRNO_BADF);
    OK(__wasi_fd_close(b));

    __wasi_filestat_t fa, fb;
    OK(__wasi_path_filestat_get(rw, 0, "a.txt", &fa));
    OK(__wasi_path_filestat_get(rw, 0, "b.txt", &fb));
    CHECK(fa.size == 5);
    CHECK(fb.size == 0);

    __wasi_fd_t c = p1_open(rw, "a.txt", 0, 0);
    CHECK_ERRNO(__wasi_fd_renumber(c, 999), __WASI_ERRNO_BADF);
    CHECK_ERRNO(__wasi_fd_renumber(999, c), __WASI_ERRNO_BADF);
    OK(__wasi_fd_renumber(c, c)); /* onto itself: nothing happens */
    OK(__wasi_fd_fdstat_get(c, &st));
    OK(__wasi_fd_close(c));
    return p1_done();
}
