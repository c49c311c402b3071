// refuse_wait PATH SECONDS: opens PATH for writing (the tests make it a path the policy refuses), prints
// "open=ERRNO", then waits SECONDS before exiting 0. Used by the daemon's event tests: a refusal that must be
// published while the sandbox still runs, not at its end.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        printf("usage: refuse_wait PATH SECONDS\n");
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_CREAT, 0644);
    printf("open=%d\n", fd < 0 ? errno : 0);
    fflush(stdout);
    if (fd >= 0) close(fd);
    struct timespec ts = { atoi(argv[2]), 0 };
    nanosleep(&ts, NULL);
    return 0;
}
