/* fd_readdir lists `.`, `..` and every entry; each d_next cookie resumes right after its entry; a tiny buffer is
 * filled completely (bufused == buf_len means "more"); the last cookie gives an empty read. */
#include "p1.h"

#define MAX 16

static char names[MAX][32];
static __wasi_dircookie_t nexts[MAX];
static __wasi_filetype_t types[MAX];

/* Parses whole entries from buf[0..used); returns their number. */
static int parse(const uint8_t *buf, size_t used, int max) {
    int count = 0;
    size_t off = 0;
    while (off + sizeof(__wasi_dirent_t) <= used && count < max) {
        __wasi_dirent_t d;
        memcpy(&d, buf + off, sizeof d);
        off += sizeof d;
        if (off + d.d_namlen > used || d.d_namlen >= sizeof names[0]) break;
        memcpy(names[count], buf + off, d.d_namlen);
        names[count][d.d_namlen] = 0;
        nexts[count] = d.d_next;
        types[count] = d.d_type;
        off += d.d_namlen;
        count++;
    }
    return count;
}

static int index_of(const char *name, int count) {
    for (int i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

int main(void) {
    CHECK(sizeof(__wasi_dirent_t) == 24);
    __wasi_fd_t rw = p1_preopen("/rw");
    OK(__wasi_path_create_directory(rw, "rd"));
    OK(__wasi_path_create_directory(rw, "rd/subdir"));
    __wasi_fd_t f;
    f = p1_open(rw, "rd/one", __WASI_OFLAGS_CREAT, 0); OK(__wasi_fd_close(f));
    f = p1_open(rw, "rd/two", __WASI_OFLAGS_CREAT, 0); OK(__wasi_fd_close(f));
    f = p1_open(rw, "rd/three", __WASI_OFLAGS_CREAT, 0); OK(__wasi_fd_close(f));
    __wasi_fd_t dir = p1_open_dir(rw, "rd");

    static uint8_t buf[4096];
    __wasi_size_t used = 0;
    OK(__wasi_fd_readdir(dir, buf, sizeof buf, 0, &used));
    CHECK(used < sizeof buf);
    int count = parse(buf, used, MAX);
    CHECK(count == 6);
    const char *want[] = {".", "..", "one", "two", "three", "subdir"};
    for (int i = 0; i < 6; i++) {
        if (index_of(want[i], count) < 0) { printf("FAIL: %s not listed\n", want[i]); p1_failures++; }
    }
    int sub = index_of("subdir", count), one = index_of("one", count), dot = index_of(".", count);
    if (sub >= 0) CHECK(types[sub] == __WASI_FILETYPE_DIRECTORY);
    if (one >= 0) CHECK(types[one] == __WASI_FILETYPE_REGULAR_FILE);
    if (dot >= 0) CHECK(types[dot] == __WASI_FILETYPE_DIRECTORY);

    /* Every cookie resumes at the entry after it, with the same name. */
    char all[MAX][32];
    __wasi_dircookie_t cookies[MAX];
    memcpy(all, names, sizeof all);
    memcpy(cookies, nexts, sizeof cookies);
    for (int i = 0; i + 1 < count; i++) {
        static uint8_t again[4096];
        OK(__wasi_fd_readdir(dir, again, sizeof again, cookies[i], &used));
        int n = parse(again, used, MAX);
        CHECK(n == count - i - 1);
        if (n > 0 && strcmp(names[0], all[i + 1]) != 0) {
            printf("FAIL: cookie %d resumed at %s, want %s\n", i, names[0], all[i + 1]);
            p1_failures++;
        }
    }
    OK(__wasi_fd_readdir(dir, buf, sizeof buf, cookies[count - 1], &used));
    CHECK(used == 0);

    /* A buffer smaller than one entry header is filled to the brim: the caller sees bufused == buf_len. */
    uint8_t tiny[10 + 4];
    memset(tiny, 0xAA, sizeof tiny);
    OK(__wasi_fd_readdir(dir, tiny, 10, 0, &used));
    CHECK(used == 10);
    CHECK(tiny[10] == 0xAA && tiny[13] == 0xAA);

    /* Exactly one entry's header and part of its name. */
    OK(__wasi_fd_readdir(dir, buf, 25, 0, &used));
    CHECK(used == 25);

    CHECK_ERRNO(__wasi_fd_readdir(999, buf, sizeof buf, 0, &used), __WASI_ERRNO_BADF);
    __wasi_fd_t file = p1_open(rw, "rd/one", 0, 0);
    /* A regular file: Wasmbox says ENOTDIR (as getdents does), Wasmtime EBADF; both refuse. */
    __wasi_errno_t e = __wasi_fd_readdir(file, buf, sizeof buf, 0, &used);
    CHECK(e == __WASI_ERRNO_NOTDIR || e == __WASI_ERRNO_BADF);
    OK(__wasi_fd_close(file));
    OK(__wasi_fd_close(dir));
    return p1_done();
}
