// "cpu N": N rounds of a prime sieve + FNV-1a hash (default 450, ~1 s native -O2), prints "result=<hex>"; CPU benchmark guest.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 1000000

static unsigned char composite[LIMIT + 64];

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 450;
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 offset basis */
    for (long r = 0; r < rounds; r++) {
        uint32_t limit = LIMIT + (uint32_t)(r % 64); /* vary per round so no round can be hoisted */
        memset(composite, 0, limit + 1);
        for (uint32_t i = 2; (uint64_t)i * i <= limit; i++)
            if (!composite[i])
                for (uint32_t j = i * i; j <= limit; j += i)
                    composite[j] = 1;
        for (uint32_t i = 2; i <= limit; i++) {
            if (!composite[i]) {
                for (int b = 0; b < 4; b++) {
                    h ^= (i >> (8 * b)) & 0xff;
                    h *= 0x100000001b3ULL; /* FNV-1a 64 prime */
                }
            }
        }
    }
    printf("result=%016llx\n", (unsigned long long)h);
    return 0;
}
