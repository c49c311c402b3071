/* args_sizes_get/args_get and environ_sizes_get/environ_get agree: count, buffer size (NULs included), pointers
 * into the buffer. The tests pass argv "p1_args_environ", "a", "two words", "" and env P1_A=1, P1_EMPTY=. */
#include "p1.h"

int main(void) {
    __wasi_size_t argc = 0, argv_size = 0;
    OK(__wasi_args_sizes_get(&argc, &argv_size));
    CHECK(argc == 4);
    static uint8_t *argv[16];
    static uint8_t argv_buf[512];
    CHECK(argc <= 16 && argv_size <= sizeof argv_buf);
    memset(argv_buf, 0xAA, sizeof argv_buf);
    OK(__wasi_args_get(argv, argv_buf));
    CHECK(argv_buf[argv_size] == 0xAA);
    CHECK(argv_buf[argv_size - 1] == 0);
    if (argc == 4) {
        CHECK(strcmp((char *)argv[1], "a") == 0);
        CHECK(strcmp((char *)argv[2], "two words") == 0);
        CHECK(strcmp((char *)argv[3], "") == 0);
        CHECK(argv[0] == argv_buf);
        CHECK(argv_size == strlen((char *)argv[0]) + 1 + 2 + 10 + 1);
    }

    __wasi_size_t envc = 0, env_size = 0;
    OK(__wasi_environ_sizes_get(&envc, &env_size));
    CHECK(envc == 2);
    static uint8_t *env[16];
    static uint8_t env_buf[512];
    CHECK(envc <= 16 && env_size <= sizeof env_buf);
    OK(__wasi_environ_get(env, env_buf));
    CHECK(env_size == sizeof "P1_A=1" + sizeof "P1_EMPTY=");
    int seen = 0;
    for (__wasi_size_t i = 0; i < envc && i < 16; i++) {
        if (strcmp((char *)env[i], "P1_A=1") == 0) seen |= 1;
        if (strcmp((char *)env[i], "P1_EMPTY=") == 0) seen |= 2;
    }
    CHECK(seen == 3);
    return p1_done();
}
