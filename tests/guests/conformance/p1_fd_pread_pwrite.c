/* fd_pwrite/fd_pread work at an offset and leave the fd's position where it was (fd_tell). */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "pos.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "abcdef");
    __wasi_filesize_t pos = 0;
    OK(__wasi_fd_tell(fd, &pos));
    CHECK(pos == 6);

    /* Vectored: the spec allows a short transfer (Wasmtime moves only the first buffer), so loop like a caller must. */
    __wasi_ciovec_t out[2] = {{(const uint8_t *)"XY", 2}, {(const uint8_t *)"Z", 1}};
    __wasi_size_t n = 0;
    OK(__wasi_fd_pwrite(fd, out, 2, 1, &n));
    CHECK(n >= 2 && n <= 3);
    if (n == 2) OK(__wasi_fd_pwrite(fd, &out[1], 1, 3, &n));
    OK(__wasi_fd_tell(fd, &pos));
    CHECK(pos == 6);

    char a[2] = {0}, b[8] = {0};
    __wasi_iovec_t in[2] = {{(uint8_t *)a, 2}, {(uint8_t *)b, sizeof b}};
    OK(__wasi_fd_pread(fd, in, 2, 0, &n));
    CHECK(n == 2 || n == 6);
    if (n == 2) OK(__wasi_fd_pread(fd, &in[1], 1, 2, &n));
    CHECK(memcmp(a, "aX", 2) == 0);
    CHECK(memcmp(b, "YZef", 4) == 0);
    OK(__wasi_fd_tell(fd, &pos));
    CHECK(pos == 6);

    /* pread past the end reads nothing; pwrite past the end extends with zeros. */
    OK(__wasi_fd_pread(fd, in, 1, 100, &n));
    CHECK(n == 0);
    OK(__wasi_fd_pwrite(fd, out, 1, 8, &n));
    CHECK(n == 2);
    __wasi_filestat_t st;
    OK(__wasi_fd_filestat_get(fd, &st));
    CHECK(st.size == 10);
    char all[16] = {0};
    __wasi_iovec_t whole = {(uint8_t *)all, sizeof all};
    OK(__wasi_fd_pread(fd, &whole, 1, 0, &n));
    CHECK(n == 10 && memcmp(all, "aXYZef\0\0XY", 10) == 0);

    CHECK_ERRNO(__wasi_fd_pread(999, in, 1, 0, &n), __WASI_ERRNO_BADF);
    OK(__wasi_fd_close(fd));
    return p1_done();
}
