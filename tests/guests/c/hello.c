// Prints exactly "hello from wasmbox\n" and returns 0; the smoke test guest for runtime + CLI tests (also examples/hello.c).
#include <stdio.h>

int main(void) {
    fputs("hello from wasmbox\n", stdout);
    return 0;
}
