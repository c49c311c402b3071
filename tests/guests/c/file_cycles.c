// "file_cycles DIR N" (default 2000): create/write/fstat/stat/read/compare/unlink DIR/f<i> N times; fs benchmark + tests.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *path) {
    int e = errno;
    printf("error: %s %s: %s (errno=%d)\n", what, path, strerror(e), e);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        printf("usage: file_cycles DIR [N]\n");
        return 2;
    }
    const char *dir = argv[1];
    long n = argc > 2 ? atol(argv[2]) : 2000;
    char path[1024], data[64], back[64];
    struct stat st;

    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%ld", dir, i);
        for (int j = 0; j < 64; j++)
            data[j] = (char)('A' + (i + j) % 26);

        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return fail("open", path);
        if (write(fd, data, sizeof data) != (ssize_t)sizeof data)
            return fail("write", path);
        if (fstat(fd, &st) < 0)
            return fail("fstat", path);
        if (st.st_size != 64) {
            printf("error: fstat %s: size %lld != 64\n", path, (long long)st.st_size);
            return 1;
        }
        if (close(fd) < 0)
            return fail("close", path);
        if (stat(path, &st) < 0)
            return fail("stat", path);
        if (st.st_size != 64) {
            printf("error: stat %s: size %lld != 64\n", path, (long long)st.st_size);
            return 1;
        }
        fd = open(path, O_RDONLY);
        if (fd < 0)
            return fail("reopen", path);
        if (read(fd, back, sizeof back) != (ssize_t)sizeof back)
            return fail("read", path);
        if (memcmp(data, back, sizeof data) != 0) {
            printf("error: content mismatch in %s\n", path);
            return 1;
        }
        if (close(fd) < 0)
            return fail("close", path);
        if (unlink(path) < 0)
            return fail("unlink", path);
    }
    printf("cycles=%ld\n", n);
    return 0;
}
