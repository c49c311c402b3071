// "exit_code N" calls exit(N); "exit_code N return" returns N from main; no args -> exit(0); tests check exit-code mapping.
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2)
        exit(0);
    int n = atoi(argv[1]);
    if (argc >= 3 && strcmp(argv[2], "return") == 0)
        return n;
    exit(n);
}
