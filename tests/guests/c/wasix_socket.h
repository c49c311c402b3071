/*
 * wasix_socket.h: the WASIX socket imports (module "wasix_32v1") that Wasmbox serves, for C guests built with
 * Debian's wasi-libc (clang --target=wasm32-wasi), which has no socket API of its own.
 *
 * Written from the public WASIX reference (wasix.org API reference; wasix-libc's api_wasix.h). Every function
 * returns a WASI errno (0 on success; the numbers are wasi-libc's __WASI_ERRNO_*, e.g. 2 EACCES, 33 EMFILE).
 *
 * Layouts (docs/wasi-deviations.md, "WASIX sockets"):
 *   wasix_addr_port: 20 bytes: u8 family (1 inet4, 2 inet6), u8 padding, u16 port (little-endian, i.e. a plain
 *                    uint16_t, NOT network order), 16 address bytes (4 used for inet4).
 *   wasix_addr:      18 bytes: u8 family, u8 padding, 16 address bytes (resolve's output array).
 * Preview1's sock_recv/sock_send/sock_shutdown, fd_read, fd_write, fd_close and poll_oneoff work on these sockets.
 */
#ifndef WASIX_SOCKET_H
#define WASIX_SOCKET_H

#include <stdint.h>

#define WASIX_AF_INET4 1
#define WASIX_AF_INET6 2
#define WASIX_SOCK_STREAM 1
#define WASIX_SOCK_DGRAM 2
#define WASIX_PROTO_DEFAULT 0

#define WASIX_STATUS_OPENING 0
#define WASIX_STATUS_OPENED 1
#define WASIX_STATUS_CLOSED 2
#define WASIX_STATUS_FAILED 3

#define WASIX_OPT_REUSE_PORT 1
#define WASIX_OPT_REUSE_ADDR 2
#define WASIX_OPT_NO_DELAY 3
#define WASIX_OPT_ONLY_V6 5
#define WASIX_OPT_BROADCAST 6
#define WASIX_OPT_LISTENING 10
#define WASIX_OPT_KEEP_ALIVE 12
#define WASIX_OPT_LINGER 13
#define WASIX_OPT_RECV_BUF_SIZE 15
#define WASIX_OPT_SEND_BUF_SIZE 16
#define WASIX_OPT_RECV_TIMEOUT 19
#define WASIX_OPT_SEND_TIMEOUT 20
#define WASIX_OPT_CONNECT_TIMEOUT 21
#define WASIX_OPT_TTL 23
#define WASIX_OPT_TYPE 25
#define WASIX_OPT_PROTO 26

typedef struct {
    uint8_t family;
    uint8_t padding;
    uint16_t port;
    uint8_t addr[16];
} wasix_addr_port;

typedef struct {
    uint8_t family;
    uint8_t padding;
    uint8_t addr[16];
} wasix_addr;

typedef struct {
    uint8_t tag; /* 0 none, 1 some */
    uint64_t value; /* nanoseconds, at offset 8 */
} wasix_option_timestamp;

_Static_assert(sizeof(wasix_addr_port) == 20, "addr_port is 20 bytes");
_Static_assert(sizeof(wasix_addr) == 18, "addr is 18 bytes");
_Static_assert(sizeof(wasix_option_timestamp) == 16, "option_timestamp is 16 bytes");

#define WASIX_IMPORT(name) __attribute__((import_module("wasix_32v1"), import_name(name)))

WASIX_IMPORT("sock_open") uint32_t wasix_sock_open(uint32_t family, uint32_t type, uint32_t proto, uint32_t *fd);
WASIX_IMPORT("sock_bind") uint32_t wasix_sock_bind(uint32_t fd, const wasix_addr_port *addr);
WASIX_IMPORT("sock_listen") uint32_t wasix_sock_listen(uint32_t fd, uint32_t backlog);
WASIX_IMPORT("sock_connect") uint32_t wasix_sock_connect(uint32_t fd, const wasix_addr_port *addr);
WASIX_IMPORT("sock_accept_v2") uint32_t wasix_sock_accept_v2(uint32_t fd, uint32_t fdflags, uint32_t *new_fd, wasix_addr_port *peer);
WASIX_IMPORT("sock_send_to") uint32_t wasix_sock_send_to(uint32_t fd, const void *ciovecs, uint32_t ciovecs_len, uint32_t siflags, const wasix_addr_port *addr, uint32_t *sent);
WASIX_IMPORT("sock_recv_from") uint32_t wasix_sock_recv_from(uint32_t fd, void *iovecs, uint32_t iovecs_len, uint32_t riflags, uint32_t *received, uint16_t *roflags, wasix_addr_port *from);
WASIX_IMPORT("sock_addr_local") uint32_t wasix_sock_addr_local(uint32_t fd, wasix_addr_port *addr);
WASIX_IMPORT("sock_addr_peer") uint32_t wasix_sock_addr_peer(uint32_t fd, wasix_addr_port *addr);
WASIX_IMPORT("sock_status") uint32_t wasix_sock_status(uint32_t fd, uint8_t *status);
WASIX_IMPORT("resolve") uint32_t wasix_resolve(const char *host, uint32_t host_len, uint32_t port, wasix_addr *addrs, uint32_t naddrs, uint32_t *count);
WASIX_IMPORT("sock_set_opt_flag") uint32_t wasix_sock_set_opt_flag(uint32_t fd, uint32_t option, uint32_t flag);
WASIX_IMPORT("sock_get_opt_flag") uint32_t wasix_sock_get_opt_flag(uint32_t fd, uint32_t option, uint8_t *flag);
WASIX_IMPORT("sock_set_opt_time") uint32_t wasix_sock_set_opt_time(uint32_t fd, uint32_t option, const wasix_option_timestamp *time);
WASIX_IMPORT("sock_get_opt_time") uint32_t wasix_sock_get_opt_time(uint32_t fd, uint32_t option, wasix_option_timestamp *time);
WASIX_IMPORT("sock_set_opt_size") uint32_t wasix_sock_set_opt_size(uint32_t fd, uint32_t option, uint64_t size);
WASIX_IMPORT("sock_get_opt_size") uint32_t wasix_sock_get_opt_size(uint32_t fd, uint32_t option, uint64_t *size);

#endif
