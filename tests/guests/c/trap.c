// Prints "about to trap" (flushed) then executes __builtin_trap(); tests check trap reporting after partial output.
#include <stdio.h>

int main(void) {
    fputs("about to trap\n", stdout);
    fflush(stdout);
    __builtin_trap();
}
