/*
 * net_native: the native twin of tests/guests/c/net.c's benchmark modes, with POSIX sockets, for bench/net-bench.sh.
 *   net_native stream ADDR PORT MIB | rtt ADDR PORT N | connects ADDR PORT N
 * Prints the same lines as the guest: "sent=BYTES error=0" / "rtt=N" / "connects=N", then "elapsed_ns=T".
 * Build: cc -O2 -o net_native net_native.c
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

static int connect_to(const char *addr, int port) {
    struct sockaddr_storage ss; socklen_t len; memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss; struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) { v4->sin_family = AF_INET; v4->sin_port = htons(port); len = sizeof *v4; }
    else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) { v6->sin6_family = AF_INET6; v6->sin6_port = htons(port); len = sizeof *v6; }
    else { fprintf(stderr, "bad address\n"); exit(2); }
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) != 0) { perror("connect"); exit(1); }
    return fd;
}

static void send_all(int fd, const char *p, size_t n) {
    while (n > 0) { ssize_t w = send(fd, p, n, 0); if (w <= 0) { perror("send"); exit(1); } p += w; n -= (size_t)w; }
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: net_native stream|rtt|connects ADDR PORT N\n"); return 2; }
    const char *mode = argv[1], *addr = argv[2]; int port = atoi(argv[3]); long n = atol(argv[4]);
    unsigned long long start = now_ns();
    if (!strcmp(mode, "stream")) {
        static char chunk[65536];
        for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (char)i;
        int fd = connect_to(addr, port);
        long long total = 0;
        for (long i = 0; i < n * 16; i++) { send_all(fd, chunk, sizeof chunk); total += sizeof chunk; }
        shutdown(fd, SHUT_WR);
        char b[16]; (void)recv(fd, b, sizeof b, 0);
        close(fd);
        printf("sent=%lld error=0\n", total);
    } else if (!strcmp(mode, "rtt")) {
        static char msg[1024], back[1024]; memset(msg, 'r', sizeof msg);
        long done = 0;
        for (long i = 0; i < n; i++) {
            int fd = connect_to(addr, port);
            send_all(fd, msg, sizeof msg);
            size_t total = 0; ssize_t r;
            while (total < sizeof back && (r = recv(fd, back + total, sizeof back - total, 0)) > 0) total += (size_t)r;
            close(fd);
            if (total != sizeof back) break;
            done++;
        }
        printf("rtt=%ld\n", done);
    } else if (!strcmp(mode, "connects")) {
        long done = 0;
        for (long i = 0; i < n; i++) { int fd = connect_to(addr, port); close(fd); done++; }
        printf("connects=%ld\n", done);
    } else return 2;
    printf("elapsed_ns=%llu\n", now_ns() - start);
    return 0;
}
