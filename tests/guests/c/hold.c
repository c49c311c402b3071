// hold MIB SECONDS: allocates MIB MiB and touches every page, prints "holding MIB MiB", keeps it for SECONDS, then
// prints the sum of what it allocated (so the allocation is observable and not optimised away) and exits 0.
// Used by the daemon's stats tests: a sandbox whose memory rises and stays up while it is sampled.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    int mib = argc > 1 ? atoi(argv[1]) : 16;
    int seconds = argc > 2 ? atoi(argv[2]) : 2;
    volatile unsigned char **blocks = malloc(sizeof(unsigned char *) * (size_t)(mib > 0 ? mib : 1));
    for (int i = 0; i < mib; i++) {
        blocks[i] = malloc(1 << 20);
        if (!blocks[i]) { printf("malloc failed after %d MiB\n", i); return 1; }
        for (int j = 0; j < (1 << 20); j += 4096) blocks[i][j] = (unsigned char)(i + j);
    }
    printf("holding %d MiB\n", mib);
    fflush(stdout);
    struct timespec ts = { seconds, 0 };
    nanosleep(&ts, NULL);
    unsigned long sum = 0;
    for (int i = 0; i < mib; i++)
        for (int j = 0; j < (1 << 20); j += 4096) sum += blocks[i][j];
    printf("sum %lu\n", sum);
    return 0;
}
