/* sched_yield succeeds; random_get fills exactly the buffer asked for (not all zeros, not past the end), twice
 * differently; a zero-length request succeeds and writes nothing. */
#include "p1.h"

int main(void) {
    OK(__wasi_sched_yield());
    uint8_t a[68], b[68];
    memset(a, 0xAA, sizeof a);
    memset(b, 0xAA, sizeof b);
    OK(__wasi_random_get(a, 64));
    OK(__wasi_random_get(b, 64));
    CHECK(a[64] == 0xAA && a[67] == 0xAA);
    int zeros = 0;
    for (int i = 0; i < 64; i++) zeros += a[i] == 0;
    CHECK(zeros < 16);
    CHECK(memcmp(a, b, 64) != 0);
    uint8_t c = 0x55;
    OK(__wasi_random_get(&c, 0));
    CHECK(c == 0x55);
    static uint8_t big[100000];
    OK(__wasi_random_get(big, sizeof big));
    OK(__wasi_sched_yield());
    return p1_done();
}
