/*
 * net_server: the peer of every contender in bench/net-bench.sh, on 127.0.0.1 only.
 *   net_server echo PORT   accept connections one after another; echo each until its end of stream
 *   net_server sink PORT   accept connections one after another; read each to its end, then close it
 * Sequential on purpose: every contender runs one connection at a time, so the server costs all of them the same.
 * Build: cc -O2 -o net_server net_server.c
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: net_server echo|sink PORT\n"); return 2; }
    int echo = !strcmp(argv[1], "echo");
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a; memset(&a, 0, sizeof a);
    a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[2])); a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1024) != 0) { perror("bind/listen"); return 1; }
    static char buf[1 << 20];
    for (;;) {
        int c = accept(ls, NULL, NULL);
        if (c < 0) continue;
        ssize_t r;
        while ((r = recv(c, buf, sizeof buf, 0)) > 0) {
            if (!echo) continue;
            char *p = buf;
            while (r > 0) { ssize_t w = send(c, p, (size_t)r, 0); if (w <= 0) break; p += w; r -= w; }
        }
        close(c);
    }
}
