/* clock_res_get: nonzero for realtime and monotonic; clock_time_get: realtime after 2020, monotonic never goes back;
 * (an unknown clock id: p1_invalid_enums). */
#include "p1.h"

int main(void) {
    __wasi_timestamp_t res = 0, t = 0, last = 0;
    OK(__wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &res));
    CHECK(res > 0 && res <= 1000000000ull);
    OK(__wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res));
    CHECK(res > 0 && res <= 1000000000ull);
    OK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t));
    CHECK(t > 1000000000ull * 1577836800ull);

    OK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &last));
    for (int i = 0; i < 1000; i++) {
        OK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t));
        if (t < last) { printf("FAIL: monotonic went back from %llu to %llu\n", last, t); p1_failures++; break; }
        last = t;
    }
    return p1_done();
}
