/* poll_oneoff with one relative monotonic clock subscription: one event, type clock, our userdata, no error,
 * and at least the timeout elapsed. Zero subscriptions is EINVAL. */
#include "p1.h"

int main(void) {
    __wasi_timestamp_t before = 0, after = 0;
    OK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &before));

    __wasi_subscription_t sub;
    memset(&sub, 0, sizeof sub);
    sub.userdata = 0x1122334455667788ull;
    sub.u.tag = __WASI_EVENTTYPE_CLOCK;
    sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub.u.u.clock.timeout = 20 * 1000 * 1000; /* 20 ms */
    sub.u.u.clock.precision = 0;
    sub.u.u.clock.flags = 0;
    __wasi_event_t ev;
    memset(&ev, 0xAA, sizeof ev);
    __wasi_size_t n = 0;
    OK(__wasi_poll_oneoff(&sub, &ev, 1, &n));
    OK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &after));
    CHECK(n == 1);
    CHECK(ev.userdata == 0x1122334455667788ull);
    CHECK(ev.type == __WASI_EVENTTYPE_CLOCK);
    CHECK(ev.error == __WASI_ERRNO_SUCCESS);
    CHECK(after - before >= 20 * 1000 * 1000);

    /* Two timers: the shorter one fires first (and alone). */
    __wasi_subscription_t subs[2];
    memcpy(&subs[0], &sub, sizeof sub);
    memcpy(&subs[1], &sub, sizeof sub);
    subs[0].userdata = 1;
    subs[0].u.u.clock.timeout = 5 * 1000 * 1000 * 1000ull;
    subs[1].userdata = 2;
    subs[1].u.u.clock.timeout = 1000 * 1000;
    __wasi_event_t evs[2];
    OK(__wasi_poll_oneoff(subs, evs, 2, &n));
    CHECK(n == 1);
    CHECK(evs[0].userdata == 2);

    CHECK_ERRNO(__wasi_poll_oneoff(&sub, &ev, 0, &n), __WASI_ERRNO_INVAL);
    return p1_done();
}
