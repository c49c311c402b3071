/* path_symlink + path_readlink: the target comes back byte for byte; a short buffer gets the truncated target and
 * bufused == buf_len; readlink of a regular file is EINVAL; a link to a missing target can still be made; opening
 * through a link inside the grant works. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "target.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "through");
    OK(__wasi_fd_close(fd));

    OK(__wasi_path_symlink("target.txt", rw, "link"));
    uint8_t buf[32];
    memset(buf, 0xAA, sizeof buf);
    __wasi_size_t used = 0;
    OK(__wasi_path_readlink(rw, "link", buf, sizeof buf, &used));
    CHECK(used == 10);
    CHECK(memcmp(buf, "target.txt", 10) == 0);
    CHECK(buf[10] == 0xAA); /* no NUL terminator */

    memset(buf, 0xAA, sizeof buf);
    OK(__wasi_path_readlink(rw, "link", buf, 4, &used));
    CHECK(used == 4);
    CHECK(memcmp(buf, "targ", 4) == 0);
    CHECK(buf[4] == 0xAA);

    __wasi_filestat_t st;
    OK(__wasi_path_filestat_get(rw, 0, "link", &st));
    CHECK(st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
    OK(__wasi_path_filestat_get(rw, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link", &st));
    CHECK(st.filetype == __WASI_FILETYPE_REGULAR_FILE);
    CHECK(st.size == 7);

    fd = p1_open(rw, "link", 0, 0);
    char text[8] = {0};
    __wasi_iovec_t iov = {(uint8_t *)text, 7};
    __wasi_size_t n = 0;
    OK(__wasi_fd_read(fd, &iov, 1, &n));
    CHECK(n == 7 && memcmp(text, "through", 7) == 0);
    OK(__wasi_fd_close(fd));

    /* Without SYMLINK_FOLLOW, opening the link itself fails (ELOOP on Linux). */
    __wasi_fd_t nf = -1;
    CHECK_ERRNO(__wasi_path_open(rw, 0, "link", 0, P1_ALL_RIGHTS, P1_ALL_RIGHTS, 0, &nf), __WASI_ERRNO_LOOP);

    OK(__wasi_path_symlink("nowhere", rw, "dangling"));
    OK(__wasi_path_readlink(rw, "dangling", buf, sizeof buf, &used));
    CHECK(used == 7 && memcmp(buf, "nowhere", 7) == 0);
    CHECK_ERRNO(__wasi_path_symlink("x", rw, "link"), __WASI_ERRNO_EXIST);
    CHECK_ERRNO(__wasi_path_readlink(rw, "target.txt", buf, sizeof buf, &used), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(__wasi_path_readlink(rw, "missing", buf, sizeof buf, &used), __WASI_ERRNO_NOENT);

    OK(__wasi_path_unlink_file(rw, "link"));
    OK(__wasi_path_filestat_get(rw, 0, "target.txt", &st)); /* the target stays */
    return p1_done();
}
