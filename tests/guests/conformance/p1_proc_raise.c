/* proc_raise(SIGCHLD): the default action of SIGCHLD is to ignore it, so the call succeeds and the guest goes on.
 * (docs/wasi-deviations.md: Wasmtime does not.) Signal 0 is EINVAL; an out-of-range number: p1_invalid_enums. wasi-libc no longer declares proc_raise. */
#include "p1.h"

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
uint32_t p1_proc_raise(uint32_t sig);

int main(void) {
    OK(p1_proc_raise(16 /* SIGCHLD in the witx signal enum */));
    OK(p1_proc_raise(27 /* SIGWINCH */));
    CHECK_ERRNO(p1_proc_raise(0), __WASI_ERRNO_INVAL);
    printf("still running\n");
    return p1_done();
}
