// Prints "spinning" (flushed) then loops forever on a volatile counter; tests check timeouts/fuel/epoch interruption.
#include <stdio.h>

int main(void) {
    volatile unsigned long counter = 0;
    fputs("spinning\n", stdout);
    fflush(stdout);
    for (;;)
        counter++;
}
