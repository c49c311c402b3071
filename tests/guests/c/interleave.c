// "interleave N" writes "out I\n" to fd 1 and "err I\n" to fd 2, alternately, N times each (default 1000), with one
// write(2) call per line: a run whose stdout and stderr go to one place must keep this exact order.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    char line[32];
    for (long i = 0; i < n; i++) {
        int len = snprintf(line, sizeof line, "out %ld\n", i);
        if (write(1, line, (size_t)len) != len)
            return 1;
        len = snprintf(line, sizeof line, "err %ld\n", i);
        if (write(2, line, (size_t)len) != len)
            return 1;
    }
    return 0;
}
