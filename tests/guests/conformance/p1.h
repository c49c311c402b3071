/* Shared by the p1_* conformance guests (tests/guests/conformance).
 *
 * Each guest checks one behaviour of wasi_snapshot_preview1 against the spec text
 * (WebAssembly/WASI legacy/preview1/docs.md) through the raw __wasi_* calls, so the errno a guest sees is the host's,
 * not libc's. A failed check prints "FAIL file:line: what" and the guest exits 1 at the end; all checks passed exits 0.
 *
 * The tests run every guest with two grants: /rw (read-write, empty) and /ro (read-only) holding
 * in.txt ("read-only data\n"), sub/f.txt and link -> in.txt. */
#ifndef P1_H
#define P1_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int p1_failures;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                    \
            p1_failures++;                                                            \
        }                                                                             \
    } while (0)

#define CHECK_ERRNO(call, want)                                                       \
    do {                                                                              \
        __wasi_errno_t p1_e = (call);                                                 \
        if (p1_e != (want)) {                                                         \
            printf("FAIL %s:%d: %s = errno %d, want %d\n", __FILE__, __LINE__, #call, \
                   (int)p1_e, (int)(want));                                           \
            p1_failures++;                                                            \
        }                                                                             \
    } while (0)

#define OK(call) CHECK_ERRNO(call, __WASI_ERRNO_SUCCESS)

/* The preopened directory whose name is exactly `name` ("/rw", "/ro"); -1 when there is none. */
static __wasi_fd_t p1_preopen(const char *name) {
    for (__wasi_fd_t fd = 3; fd < 64; fd++) {
        __wasi_prestat_t pre;
        if (__wasi_fd_prestat_get(fd, &pre) != __WASI_ERRNO_SUCCESS) continue;
        char buf[256];
        size_t len = pre.u.dir.pr_name_len;
        if (len >= sizeof buf) continue;
        if (__wasi_fd_prestat_dir_name(fd, (uint8_t *)buf, len) != __WASI_ERRNO_SUCCESS) continue;
        buf[len] = 0;
        if (strcmp(buf, name) == 0) return fd;
    }
    printf("FAIL: no preopen named %s\n", name);
    p1_failures++;
    return -1;
}

#define P1_ALL_RIGHTS ((__wasi_rights_t)0x1FFFFFFF)

/* Opens `path` beneath `dir`; -1 (and a failed check) when the host refuses. */
static __wasi_fd_t p1_open(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags, __wasi_fdflags_t fdflags) {
    __wasi_fd_t fd = -1;
    __wasi_errno_t e = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, oflags, P1_ALL_RIGHTS,
                                        P1_ALL_RIGHTS, fdflags, &fd);
    if (e != __WASI_ERRNO_SUCCESS) {
        printf("FAIL: path_open(%s) = errno %d\n", path, (int)e);
        p1_failures++;
        return -1;
    }
    return fd;
}

/* The rights a directory fd is asked for: everything but the write-side file rights. The spec lets a host drop rights
 * that do not apply to the file type (Wasmbox does); Wasmtime instead refuses a directory opened for write (EISDIR). */
#define P1_DIR_RIGHTS                                                                                          \
    (P1_ALL_RIGHTS & ~(__wasi_rights_t)(__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_DATASYNC |                   \
                                         __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE))

/* Opens the directory `path` beneath `dir`; -1 (and a failed check) when the host refuses. */
static __wasi_fd_t p1_open_dir(__wasi_fd_t dir, const char *path) {
    __wasi_fd_t fd = -1;
    __wasi_errno_t e = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, __WASI_OFLAGS_DIRECTORY,
                                        P1_DIR_RIGHTS, P1_ALL_RIGHTS, 0, &fd);
    if (e != __WASI_ERRNO_SUCCESS) {
        printf("FAIL: path_open(%s, directory) = errno %d\n", path, (int)e);
        p1_failures++;
        return -1;
    }
    return fd;
}

/* Writes all of `text` at the fd's position. */
static void p1_write(__wasi_fd_t fd, const char *text) {
    __wasi_ciovec_t iov = {(const uint8_t *)text, strlen(text)};
    __wasi_size_t n = 0;
    OK(__wasi_fd_write(fd, &iov, 1, &n));
    CHECK(n == strlen(text));
}

static int p1_done(void) {
    if (p1_failures != 0) {
        printf("%d check(s) failed\n", p1_failures);
        return 1;
    }
    return 0;
}

#endif
