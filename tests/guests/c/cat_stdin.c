// Copies stdin to stdout until EOF, then prints "\n<N bytes>" to stderr; tests check stdin/stdout/stderr plumbing.
#include <stdio.h>
#include <unistd.h>

int main(void) {
    char buf[4096];
    long long total = 0;
    ssize_t r;
    while ((r = read(0, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(1, buf + off, (size_t)(r - off));
            if (w < 0)
                return 1;
            off += w;
        }
        total += r;
    }
    fprintf(stderr, "\n<%lld bytes>", total);
    return 0;
}
