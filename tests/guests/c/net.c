/*
 * net: exercises the WASIX socket imports (wasix_socket.h) and prints one line per step, so tests can compare.
 *
 *   net open                         sock_open only: "open=ERRNO"
 *   net echo tcp|udp ADDR PORT MSG   connect (udp: send_to), send MSG, receive the echo: "connect=E", "recv=TEXT", addresses
 *   net connect tcp|udp ADDR PORT    only the connect (udp: a send_to of one byte): "connect=ERRNO"
 *   net resolve NAME PORT            "resolve=E count=N" then one address per line
 *   net leak N ADDR PORT             opens and connects N TCP sockets, never closing them: "opened=K error=E"
 *   net bytes ADDR PORT N            sends N bytes to a TCP echo server and reads the echo: "sent=S recv=R error=E"
 *   net nonblock ADDR PORT           nonblocking connect: EINPROGRESS, poll for write, connected, echo "hi"
 *   net serve BINDADDR PORT          bind, listen, print "listening PORT", accept one, echo until end of stream
 *   net badaddr                      malformed addr_port structs: prints each call's errno
 *   net oob                          an addr_port pointer past the end of memory (traps)
 *   net stream ADDR PORT MIB         sends MIB MiB in 64 KiB writes, then waits for the peer to close: "sent=BYTES"
 *   net rtt ADDR PORT N              N times: connect, send 1 KiB, read 1 KiB back, close: "rtt=N"
 *   net connects ADDR PORT N         N times: connect and close: "connects=N"
 *   net bigdgram ADDR PORT           a 70,000-byte UDP send_to (past UDP's limit): "send_to=ERRNO"
 * stream, rtt and connects also print "elapsed_ns=T": the loop's own time on the monotonic clock (for bench/net-bench.sh).
 *
 * ADDR is an IPv4 dotted quad or an IPv6 address (::1). Errnos are WASI numbers (2 EACCES, 26 EINPROGRESS, 33 EMFILE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>
#include "wasix_socket.h"

static int parse_v4(const char *s, uint8_t out[4]) {
    unsigned a, b, c, d; char tail;
    if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 || d > 255) return 0;
    out[0] = a; out[1] = b; out[2] = c; out[3] = d;
    return 1;
}

/* IPv6 with at most one "::" and no embedded IPv4. */
static int parse_v6(const char *s, uint8_t out[16]) {
    uint16_t head[8], tail[8]; int nh = 0, nt = 0, seen = 0;
    const char *p = s;
    if (p[0] == ':' && p[1] == ':') { seen = 1; p += 2; }
    while (*p) {
        char *end; unsigned long v = strtoul(p, &end, 16);
        if (end == p || end - p > 4 || v > 0xffff) return 0;
        if (seen) tail[nt++] = (uint16_t)v; else head[nh++] = (uint16_t)v;
        if (nh + nt > 8) return 0;
        p = end;
        if (*p == ':') {
            if (p[1] == ':') { if (seen) return 0; seen = 1; p += 2; } else p++;
        } else if (*p) return 0;
    }
    if (!seen && nh != 8) return 0;
    memset(out, 0, 16);
    for (int i = 0; i < nh; i++) { out[2 * i] = head[i] >> 8; out[2 * i + 1] = head[i] & 0xff; }
    for (int i = 0; i < nt; i++) { int j = 8 - nt + i; out[2 * j] = tail[i] >> 8; out[2 * j + 1] = tail[i] & 0xff; }
    return 1;
}

static int make_addr(const char *text, const char *port, wasix_addr_port *a) {
    memset(a, 0, sizeof *a);
    a->port = (uint16_t)atoi(port);
    if (parse_v4(text, a->addr)) { a->family = WASIX_AF_INET4; return WASIX_AF_INET4; }
    if (parse_v6(text, a->addr)) { a->family = WASIX_AF_INET6; return WASIX_AF_INET6; }
    fprintf(stderr, "net: '%s' is not an address\n", text);
    exit(2);
}

static void print_addr(const char *label, const wasix_addr_port *a) {
    if (a->family == WASIX_AF_INET4)
        printf("%s=%u.%u.%u.%u:%u\n", label, a->addr[0], a->addr[1], a->addr[2], a->addr[3], a->port);
    else if (a->family == WASIX_AF_INET6) {
        printf("%s=[", label);
        for (int i = 0; i < 16; i += 2) printf(i ? ":%x" : "%x", (a->addr[i] << 8) | a->addr[i + 1]);
        printf("]:%u\n", a->port);
    } else printf("%s=family%u\n", label, a->family);
}

static uint32_t send_all(uint32_t fd, const char *data, size_t len, size_t *sent_total) {
    *sent_total = 0;
    while (*sent_total < len) {
        __wasi_ciovec_t iov = { (const uint8_t *)data + *sent_total, len - *sent_total };
        size_t n;
        uint32_t e = __wasi_sock_send(fd, &iov, 1, 0, &n);
        if (e) return e;
        *sent_total += n;
    }
    return 0;
}

static uint32_t recv_some(uint32_t fd, char *buf, size_t len, size_t *got) {
    __wasi_iovec_t iov = { (uint8_t *)buf, len };
    __wasi_roflags_t ro;
    return __wasi_sock_recv(fd, &iov, 1, 0, got, &ro);
}

static uint32_t open_connect(int family, int type, const wasix_addr_port *a, uint32_t *fd) {
    uint32_t e = wasix_sock_open(family, type, 0, fd);
    if (e) return e;
    return wasix_sock_connect(*fd, a);
}

static int cmd_echo(int udp, const char *addr, const char *port, const char *msg) {
    wasix_addr_port a, local, peer;
    int family = make_addr(addr, port, &a);
    uint32_t fd; uint32_t e;
    char buf[4096]; size_t got = 0;
    if (!udp) {
        e = open_connect(family, WASIX_SOCK_STREAM, &a, &fd);
        printf("connect=%u\n", e);
        if (e) return 1;
        uint8_t status = 9; wasix_sock_status(fd, &status);
        printf("status=%u\n", status);
        size_t sent; e = send_all(fd, msg, strlen(msg), &sent);
        printf("send=%u sent=%zu\n", e, sent);
        (void)__wasi_sock_shutdown(fd, __WASI_SDFLAGS_WR);
        size_t total = 0;
        while (total < sizeof buf - 1) {
            e = recv_some(fd, buf + total, sizeof buf - 1 - total, &got);
            if (e || got == 0) break;
            total += got;
        }
        buf[total] = 0;
        printf("recv=%s\n", buf);
    } else {
        e = wasix_sock_open(family, WASIX_SOCK_DGRAM, 0, &fd);
        if (e) { printf("connect=%u\n", e); return 1; }
        __wasi_ciovec_t iov = { (const uint8_t *)msg, strlen(msg) };
        uint32_t sent;
        e = wasix_sock_send_to(fd, &iov, 1, 0, &a, &sent);
        printf("connect=%u\n", e);
        if (e) return 1;
        printf("sent=%u\n", sent);
        __wasi_iovec_t riov = { (uint8_t *)buf, sizeof buf - 1 };
        uint32_t received; uint16_t ro; wasix_addr_port from;
        e = wasix_sock_recv_from(fd, &riov, 1, 0, &received, &ro, &from);
        if (e) { printf("recv_from=%u\n", e); return 1; }
        buf[received] = 0;
        printf("recv=%s\n", buf);
        print_addr("from", &from);
    }
    if (wasix_sock_addr_local(fd, &local) == 0) printf("local_family=%u local_port_nonzero=%d\n", local.family, local.port != 0);
    if (wasix_sock_addr_peer(fd, &peer) == 0) print_addr("peer", &peer);
    (void)__wasi_fd_close(fd);
    return 0;
}

static int cmd_connect(int udp, const char *addr, const char *port) {
    wasix_addr_port a;
    int family = make_addr(addr, port, &a);
    uint32_t fd, e;
    if (!udp) e = open_connect(family, WASIX_SOCK_STREAM, &a, &fd);
    else {
        e = wasix_sock_open(family, WASIX_SOCK_DGRAM, 0, &fd);
        if (!e) {
            __wasi_ciovec_t iov = { (const uint8_t *)"x", 1 };
            uint32_t sent;
            e = wasix_sock_send_to(fd, &iov, 1, 0, &a, &sent);
        }
    }
    printf("connect=%u\n", e);
    return e ? 1 : 0;
}

static int cmd_resolve(const char *name, const char *port) {
    wasix_addr addrs[8]; uint32_t count = 99;
    uint32_t e = wasix_resolve(name, strlen(name), (uint32_t)atoi(port), addrs, 8, &count);
    printf("resolve=%u count=%u\n", e, e ? 0 : count);
    for (uint32_t i = 0; !e && i < count; i++) {
        wasix_addr_port ap; memset(&ap, 0, sizeof ap);
        ap.family = addrs[i].family; memcpy(ap.addr, addrs[i].addr, 16);
        print_addr("addr", &ap);
    }
    return e ? 1 : 0;
}

static int cmd_leak(int n, const char *addr, const char *port) {
    wasix_addr_port a; int family = make_addr(addr, port, &a);
    int opened = 0; uint32_t e = 0;
    for (int i = 0; i < n; i++) {
        uint32_t fd;
        e = open_connect(family, WASIX_SOCK_STREAM, &a, &fd);
        if (e) break;
        opened++;
    }
    printf("opened=%d error=%u\n", opened, e);
    return 0;
}

static int cmd_bytes(const char *addr, const char *port, long n) {
    wasix_addr_port a; int family = make_addr(addr, port, &a);
    uint32_t fd, e = open_connect(family, WASIX_SOCK_STREAM, &a, &fd);
    if (e) { printf("connect=%u\n", e); return 1; }
    static char chunk[4096];
    memset(chunk, 'b', sizeof chunk);
    long sent = 0, recvd = 0; uint32_t err = 0;
    while (sent < n) {
        size_t want = (size_t)(n - sent < (long)sizeof chunk ? n - sent : (long)sizeof chunk), s;
        err = send_all(fd, chunk, want, &s);
        sent += (long)s;
        if (err) break;
        char back[4096]; size_t got;
        while (recvd < sent) {
            err = recv_some(fd, back, sizeof back, &got);
            if (err || got == 0) break;
            recvd += (long)got;
        }
        if (err) break;
    }
    printf("sent=%ld recv=%ld error=%u\n", sent, recvd, err);
    return 0;
}

static int cmd_nonblock(const char *addr, const char *port) {
    wasix_addr_port a; int family = make_addr(addr, port, &a);
    uint32_t fd, e = wasix_sock_open(family, WASIX_SOCK_STREAM, 0, &fd);
    if (e) { printf("open=%u\n", e); return 1; }
    printf("set_flags=%u\n", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK));
    e = wasix_sock_connect(fd, &a);
    printf("connect=%s\n", e == __WASI_ERRNO_INPROGRESS || e == 0 ? "inprogress-or-done" : "error");
    __wasi_subscription_t sub; memset(&sub, 0, sizeof sub);
    sub.userdata = 7; sub.u.tag = __WASI_EVENTTYPE_FD_WRITE; sub.u.u.fd_write.file_descriptor = fd;
    __wasi_event_t ev; size_t nev;
    e = __wasi_poll_oneoff(&sub, &ev, 1, &nev);
    printf("poll=%u events=%zu error=%u\n", e, nev, ev.error);
    e = wasix_sock_connect(fd, &a);
    printf("connect_again=%u\n", e);
    uint8_t status; wasix_sock_status(fd, &status);
    printf("status=%u\n", status);
    return 0;
}

static int cmd_serve(const char *addr, const char *port) {
    wasix_addr_port a, local, peer; int family = make_addr(addr, port, &a);
    uint32_t fd, e = wasix_sock_open(family, WASIX_SOCK_STREAM, 0, &fd);
    if (!e) e = wasix_sock_set_opt_flag(fd, WASIX_OPT_REUSE_ADDR, 1);
    if (!e) e = wasix_sock_bind(fd, &a);
    printf("bind=%u\n", e);
    if (e) return 1;
    e = wasix_sock_listen(fd, 16);
    wasix_sock_addr_local(fd, &local);
    printf("listening %u\n", local.port);
    fflush(stdout);
    uint32_t conn;
    e = wasix_sock_accept_v2(fd, 0, &conn, &peer);
    printf("accept=%u\n", e);
    if (e) return 1;
    char buf[4096]; size_t got, sent;
    while (recv_some(conn, buf, sizeof buf, &got) == 0 && got > 0) send_all(conn, buf, got, &sent);
    (void)__wasi_fd_close(conn);
    printf("served\n");
    return 0;
}

static int cmd_badaddr(void) {
    uint32_t fd; wasix_addr_port a; memset(&a, 0, sizeof a);
    uint32_t e = wasix_sock_open(WASIX_AF_INET4, WASIX_SOCK_STREAM, 0, &fd);
    printf("open=%u\n", e);
    a.family = 9; a.port = 80;
    printf("family9=%u\n", wasix_sock_connect(fd, &a));
    a.family = 0;
    printf("family0=%u\n", wasix_sock_connect(fd, &a));
    a.family = WASIX_AF_INET6; a.addr[15] = 1;
    printf("wrongfamily=%u\n", wasix_sock_connect(fd, &a));
    uint32_t fd2;
    printf("badaf=%u\n", wasix_sock_open(7, WASIX_SOCK_STREAM, 0, &fd2));
    printf("badtype=%u\n", wasix_sock_open(WASIX_AF_INET4, 9, 0, &fd2));
    printf("raw=%u\n", wasix_sock_open(WASIX_AF_INET4, 3, 0, &fd2));
    printf("badproto=%u\n", wasix_sock_open(WASIX_AF_INET4, WASIX_SOCK_STREAM, 17, &fd2));
    printf("notsock=%u\n", wasix_sock_connect(1, &a));
    printf("closed=%u\n", wasix_sock_connect(999, &a));
    return 0;
}

static int cmd_oob(void) {
    uint32_t fd;
    wasix_sock_open(WASIX_AF_INET4, WASIX_SOCK_STREAM, 0, &fd);
    printf("before\n");
    fflush(stdout);
    uint32_t e = wasix_sock_connect(fd, (const wasix_addr_port *)(uintptr_t)0xfffffff0u);
    printf("after=%u\n", e);
    return 0;
}

static uint64_t now_ns(void) {
    __wasi_timestamp_t t = 0;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
    return t;
}

static int cmd_connects(const char *addr, const char *port, int n) {
    wasix_addr_port a; int family = make_addr(addr, port, &a);
    uint64_t start = now_ns();
    int done = 0;
    for (int i = 0; i < n; i++) {
        uint32_t fd, e = open_connect(family, WASIX_SOCK_STREAM, &a, &fd);
        if (e) { printf("connect=%u\n", e); break; }
        (void)__wasi_fd_close(fd);
        done++;
    }
    printf("connects=%d\nelapsed_ns=%llu\n", done, (unsigned long long)(now_ns() - start));
    return 0;
}

static int cmd_bigdgram(const char *addr, const char *port) {
    wasix_addr_port a; int family = make_addr(addr, port, &a);
    static char big[70000];
    uint32_t fd, sent = 0, e = wasix_sock_open(family, WASIX_SOCK_DGRAM, 0, &fd);
    if (!e) {
        __wasi_ciovec_t iov = { (const uint8_t *)big, sizeof big };
        e = wasix_sock_send_to(fd, &iov, 1, 0, &a, &sent);
    }
    printf("send_to=%u sent=%u\n", e, sent);
    return 0;
}

static int cmd_stream(const char *addr, const char *port, long mib) {
    wasix_addr_port a; int family = make_addr(addr, port, &a);
    uint32_t fd, e = open_connect(family, WASIX_SOCK_STREAM, &a, &fd);
    if (e) { printf("connect=%u\n", e); return 1; }
    static char chunk[65536];
    for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (char)i;
    long long total = 0;
    uint64_t start = now_ns();
    for (long i = 0; i < mib * 16; i++) {
        size_t s; e = send_all(fd, chunk, sizeof chunk, &s);
        total += (long long)s;
        if (e) break;
    }
    (void)__wasi_sock_shutdown(fd, __WASI_SDFLAGS_WR);
    char b[16]; size_t got;
    recv_some(fd, b, sizeof b, &got);
    printf("sent=%lld error=%u\nelapsed_ns=%llu\n", total, e, (unsigned long long)(now_ns() - start));
    return 0;
}

static int cmd_rtt(const char *addr, const char *port, int n) {
    wasix_addr_port a; int family = make_addr(addr, port, &a);
    static char msg[1024], back[1024];
    memset(msg, 'r', sizeof msg);
    int done = 0;
    uint64_t start = now_ns();
    for (int i = 0; i < n; i++) {
        uint32_t fd, e = open_connect(family, WASIX_SOCK_STREAM, &a, &fd);
        if (e) { printf("connect=%u\n", e); break; }
        size_t s, got, total = 0;
        if (send_all(fd, msg, sizeof msg, &s)) break;
        while (total < sizeof back && recv_some(fd, back + total, sizeof back - total, &got) == 0 && got > 0) total += got;
        (void)__wasi_fd_close(fd);
        if (total != sizeof back) break;
        done++;
    }
    printf("rtt=%d\nelapsed_ns=%llu\n", done, (unsigned long long)(now_ns() - start));
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "open")) {
        uint32_t fd; printf("open=%u\n", wasix_sock_open(WASIX_AF_INET4, WASIX_SOCK_STREAM, 0, &fd)); return 0;
    }
    if (argc == 6 && !strcmp(argv[1], "echo")) return cmd_echo(!strcmp(argv[2], "udp"), argv[3], argv[4], argv[5]);
    if (argc == 5 && !strcmp(argv[1], "connect")) return cmd_connect(!strcmp(argv[2], "udp"), argv[3], argv[4]);
    if (argc == 4 && !strcmp(argv[1], "resolve")) return cmd_resolve(argv[2], argv[3]);
    if (argc == 5 && !strcmp(argv[1], "leak")) return cmd_leak(atoi(argv[2]), argv[3], argv[4]);
    if (argc == 5 && !strcmp(argv[1], "bytes")) return cmd_bytes(argv[2], argv[3], atol(argv[4]));
    if (argc == 4 && !strcmp(argv[1], "nonblock")) return cmd_nonblock(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "serve")) return cmd_serve(argv[2], argv[3]);
    if (argc == 2 && !strcmp(argv[1], "badaddr")) return cmd_badaddr();
    if (argc == 2 && !strcmp(argv[1], "oob")) return cmd_oob();
    if (argc == 5 && !strcmp(argv[1], "stream")) return cmd_stream(argv[2], argv[3], atol(argv[4]));
    if (argc == 5 && !strcmp(argv[1], "rtt")) return cmd_rtt(argv[2], argv[3], atoi(argv[4]));
    if (argc == 4 && !strcmp(argv[1], "bigdgram")) return cmd_bigdgram(argv[2], argv[3]);
    if (argc == 5 && !strcmp(argv[1], "connects")) return cmd_connects(argv[2], argv[3], atoi(argv[4]));
    fprintf(stderr, "usage: net open|echo|connect|resolve|leak|bytes|nonblock|serve|badaddr|oob|stream|rtt|connects|bigdgram ...\n");
    return 2;
}
