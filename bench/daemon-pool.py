#!/usr/bin/env python3
"""The timing half of bench/daemon-pool.sh (run it through that script, which builds, locks and starts the daemons).

  daemon-pool.py stamp OUT.wasm                     writes the stamp guest
  daemon-pool.py latency WASMBOX STAMP POOLED_SOCK COLD_SOCK N OUTDIR
  daemon-pool.py sustained SOCK SECONDS CLIENTS STAMP OUTFILE

The stamp guest prints CLOCK_REALTIME in ns (WASI clock_time_get, clock 0) as the first thing its _start does, so
"spawn to running" is that stamp minus the time the client took just before it asked for the sandbox: the same
system-wide clock on both sides. "spawn to exited" ends when the client has the sandbox's end (the wait's answer, or
the foreground process's exit).
"""
import http.client
import json
import socket
import struct
import subprocess
import sys
import threading
import time


def leb_u(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def leb_s(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def section(sid, body):
    return bytes([sid]) + leb_u(len(body)) + body


def vec(items):
    return leb_u(len(items)) + b"".join(items)


def name(s):
    return leb_u(len(s)) + s.encode()


def stamp_module():
    """A WASI command whose _start writes CLOCK_REALTIME (ns) in decimal and a newline to stdout, then returns."""
    I32, I64 = 0x7F, 0x7E
    types = vec([
        bytes([0x60]) + vec([bytes([I32]), bytes([I64]), bytes([I32])]) + vec([bytes([I32])]),  # clock_time_get
        bytes([0x60]) + vec([bytes([I32])] * 4) + vec([bytes([I32])]),                          # fd_write
        bytes([0x60, 0x00, 0x00]),                                                               # _start
    ])
    imports = vec([
        name("wasi_snapshot_preview1") + name("clock_time_get") + bytes([0x00, 0x00]),
        name("wasi_snapshot_preview1") + name("fd_write") + bytes([0x00, 0x01]),
    ])
    c32 = lambda v: bytes([0x41]) + leb_s(v)
    c64 = lambda v: bytes([0x42]) + leb_s(v)
    get, put = (lambda i: bytes([0x20, i])), (lambda i: bytes([0x21, i]))
    code = b"".join([
        c32(0), c64(1), c32(0), bytes([0x10, 0x00, 0x1A]),          # clock_time_get(REALTIME, 1, 0); drop
        c32(0), bytes([0x29, 0x03, 0x00]), put(0),                  # n = i64.load(0)
        c32(64), put(1),                                            # p = 64
        c32(64), c32(10), bytes([0x3A, 0x00, 0x00]),                # mem[64] = '\n'
        bytes([0x03, 0x40]),                                        # loop
        get(1), c32(1), bytes([0x6B]), put(1),                      #   p -= 1
        get(1), get(0), c64(10), bytes([0x82, 0xA7]), c32(48), bytes([0x6A, 0x3A, 0x00, 0x00]),  # mem[p] = '0' + n % 10
        get(0), c64(10), bytes([0x80]), put(0),                     #   n /= 10
        get(0), c64(0), bytes([0x52, 0x0D, 0x00]),                  #   br_if n != 0
        bytes([0x0B]),                                              # end
        c32(80), get(1), bytes([0x36, 0x02, 0x00]),                 # iov.buf = p
        c32(84), c32(65), get(1), bytes([0x6B, 0x36, 0x02, 0x00]),  # iov.len = 65 - p
        c32(1), c32(80), c32(1), c32(88), bytes([0x10, 0x01, 0x1A]),  # fd_write(1, iov, 1, &written); drop
        bytes([0x0B]),
    ])
    body = vec([bytes([0x01, I64]), bytes([0x01, I32])]) + code
    return (b"\0asm" + struct.pack("<I", 1)
            + section(1, types) + section(2, imports) + section(3, vec([leb_u(2)]))
            + section(5, vec([bytes([0x00, 0x01])]))
            + section(7, vec([name("memory") + bytes([0x02, 0x00]), name("_start") + bytes([0x00, 0x02])]))
            + section(10, vec([leb_u(len(body)) + body])))


class Api:
    """One keep-alive HTTP connection to the daemon's Unix socket."""

    def __init__(self, sock):
        self.sock = sock
        self.conn = None

    def call(self, method, path, body=None, ctype="application/json"):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("d")
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.sock)
                self.conn.sock = s
            try:
                self.conn.request(method, path, body=body, headers={"Content-Type": ctype} if body is not None else {})
                r = self.conn.getresponse()
                data = r.read()
                if r.status >= 300:
                    raise RuntimeError(f"{method} {path}: {r.status} {data[:300]!r}")
                return data
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt:
                    raise

    def upload(self, wasm):
        return json.loads(self.call("POST", "/v1/modules", wasm, "application/wasm"))["sha256"]

    def spawn(self, sha):
        return json.loads(self.call("POST", "/v1/sandboxes", json.dumps({"module_sha256": sha, "policy": {"isolation": "jail"}})))["id"]

    def wait(self, sid):
        return json.loads(self.call("POST", f"/v1/sandboxes/{sid}/wait"))

    def logs(self, sid):
        return self.call("GET", f"/v1/sandboxes/{sid}/logs")

    def remove(self, sid):
        self.call("DELETE", f"/v1/sandboxes/{sid}")


def one_spawn(api, sha, answered=None):
    t0 = time.time_ns()
    sid = api.spawn(sha)
    if answered is not None:
        answered.append((time.time_ns() - t0) / 1e6)
    done = api.wait(sid)
    t1 = time.time_ns()
    if done.get("exit_status") != 0:
        raise RuntimeError(f"sandbox {sid} ended {done.get('state')} {done.get('message')}")
    stamp = int(api.logs(sid).split()[0])
    api.remove(sid)
    return (stamp - t0) / 1e6, (t1 - t0) / 1e6


def latency(wasmbox, stamp, pooled_sock, cold_sock, n, outdir):
    pooled, cold = Api(pooled_sock), Api(cold_sock)
    wasm = open(stamp, "rb").read()
    shas = {"pooled": pooled.upload(wasm), "cold": cold.upload(wasm)}
    # Warm-up: each daemon compiles and caches the module; the foreground CLI too (it has the same cache dir).
    one_spawn(pooled, shas["pooled"]); one_spawn(cold, shas["cold"])
    subprocess.run([wasmbox, "run", stamp], check=True, capture_output=True)
    time.sleep(1)
    rows = {k: ([], []) for k in ("pooled", "cold", "foreground")}
    answered = {"pooled": [], "cold": []}
    for _ in range(n):
        # Pooled first, then a pause in which its pool refills, so the refill's CPU does not fall on the other two.
        r, e = one_spawn(pooled, shas["pooled"], answered["pooled"]); rows["pooled"][0].append(r); rows["pooled"][1].append(e)
        time.sleep(0.25)
        t0 = time.time_ns()
        out = subprocess.run([wasmbox, "run", stamp], check=True, capture_output=True).stdout
        t1 = time.time_ns()
        rows["foreground"][0].append((int(out.split()[0]) - t0) / 1e6); rows["foreground"][1].append((t1 - t0) / 1e6)
        r, e = one_spawn(cold, shas["cold"], answered["cold"]); rows["cold"][0].append(r); rows["cold"][1].append(e)
    for k, values in answered.items():
        with open(f"{outdir}/{k}-answered.txt", "w") as f: f.write("".join(f"{v:.3f}\n" for v in values))
    for k, (running, exited) in rows.items():
        with open(f"{outdir}/{k}-running.txt", "w") as f: f.write("".join(f"{v:.3f}\n" for v in running))
        with open(f"{outdir}/{k}-exited.txt", "w") as f: f.write("".join(f"{v:.3f}\n" for v in exited))


def sustained(sock, seconds, clients, stamp, outfile):
    sha = Api(sock).upload(open(stamp, "rb").read())
    one_spawn(Api(sock), sha)
    done, failed = [0] * clients, [0] * clients
    until = time.monotonic() + seconds

    def client(i):
        api = Api(sock)
        while time.monotonic() < until:
            try:
                one_spawn(api, sha)
                done[i] += 1
            except Exception as e:  # a failed sandbox is counted, not fatal: the rate is of successes
                failed[i] += 1
                print(f"daemon-pool.py: {e}", file=sys.stderr)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.monotonic() - t0
    with open(outfile, "w") as f:
        f.write(f"{sum(done) / elapsed:.1f}\n")
    print(f"{sum(done)} sandboxes in {elapsed:.1f} s ({sum(failed)} failed): {sum(done) / elapsed:.1f}/s", file=sys.stderr)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "stamp":
        open(sys.argv[2], "wb").write(stamp_module())
    elif cmd == "latency":
        latency(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7])
    elif cmd == "sustained":
        sustained(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        sys.exit(f"daemon-pool.py: unknown command {cmd}")
