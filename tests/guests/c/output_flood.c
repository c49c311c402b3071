// "output_flood N SIZE" does N write(1, buf, SIZE) calls (default 200000 x 64); used by output-limit tests and benchmarks.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    long size = argc > 2 ? atol(argv[2]) : 64;
    if (n < 0 || size <= 0)
        return 2;
    char *buf = malloc((size_t)size);
    if (!buf)
        return 3;
    for (long i = 0; i < size; i++)
        buf[i] = (i + 1) % 64 == 0 ? '\n' : (char)('a' + i % 26);
    for (long i = 0; i < n; i++)
        if (write(1, buf, (size_t)size) < 0)
            return 1;
    return 0;
}
