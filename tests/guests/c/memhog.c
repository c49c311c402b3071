// Mallocs and touches 1 MiB blocks until malloc fails or argv[1] MiB are reached, prints "allocated N MiB"; tests check memory limits.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1024 * 1024)

static void *volatile keep; /* volatile sink so the allocations cannot be optimised away */

int main(int argc, char **argv) {
    long limit = argc > 1 ? atol(argv[1]) : -1;
    long n = 0;
    while (limit < 0 || n < limit) {
        char *p = malloc(MIB);
        if (p == NULL)
            break;
        memset(p, (int)(n & 0xff) | 1, MIB); /* touch every page */
        *(void **)p = keep;                   /* chain blocks: all stay reachable */
        keep = p;
        n++;
    }
    printf("allocated %ld MiB\n", n);
    return 0;
}
