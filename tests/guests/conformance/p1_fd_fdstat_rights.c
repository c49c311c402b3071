/* fd_fdstat_set_rights drops a right: the call needing it is then ENOTCAPABLE, and the right cannot come back. */
#include "p1.h"

int main(void) {
    __wasi_fd_t rw = p1_preopen("/rw");
    __wasi_fd_t fd = p1_open(rw, "rights.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    p1_write(fd, "data");
    __wasi_fdstat_t st;
    OK(__wasi_fd_fdstat_get(fd, &st));
    CHECK((st.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0);
    CHECK((st.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0);

    __wasi_rights_t without_read = st.fs_rights_base & ~(__wasi_rights_t)__WASI_RIGHTS_FD_READ;
    OK(__wasi_fd_fdstat_set_rights(fd, without_read, st.fs_rights_inheriting));
    OK(__wasi_fd_fdstat_get(fd, &st));
    CHECK((st.fs_rights_base & __WASI_RIGHTS_FD_READ) == 0);

    char buf[4];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t n = 0;
    CHECK_ERRNO(__wasi_fd_read(fd, &iov, 1, &n), __WASI_ERRNO_NOTCAPABLE);
    CHECK_ERRNO(__wasi_fd_pread(fd, &iov, 1, 0, &n), __WASI_ERRNO_NOTCAPABLE);
    p1_write(fd, "more"); /* writing still allowed */

    /* Asking for the right back is refused. */
    CHECK_ERRNO(__wasi_fd_fdstat_set_rights(fd, without_read | __WASI_RIGHTS_FD_READ, st.fs_rights_inheriting),
                __WASI_ERRNO_NOTCAPABLE);

    /* Drop seek as well: fd_seek and fd_tell need it. */
    OK(__wasi_fd_fdstat_set_rights(fd, without_read & ~(__wasi_rights_t)(__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL), 0));
    __wasi_filesize_t pos;
    CHECK_ERRNO(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_NOTCAPABLE);
    OK(__wasi_fd_close(fd));
    return p1_done();
}
