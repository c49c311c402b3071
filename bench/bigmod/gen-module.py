#!/usr/bin/env python3
"""Writes a WASI preview1 command of about SIZE bytes, for measuring how start-up cost grows with module size.

    python3 bench/bigmod/gen-module.py SIZE_MB OUT.wasm

Why a generator rather than a real toolchain: the big modules that motivated it (a compiler toolchain built for WASI)
are not redistributable here, and a 75 MB C file takes clang far longer than the benchmark itself. What matters for a
warm start is the size of the module and of its compiled artifact, so the module is many distinct, non-trivial
functions (arithmetic with branches, no two alike, so neither the engine nor a cache can fold them), all reachable
from _start: _start calls a group function per 256 functions, each group calls its functions, and _start prints the
sum of every result as 8 hex digits and a newline with fd_write. The output is the same in every WASI runtime, so the
benchmark checks it before timing anything. Deterministic: the same SIZE always gives the same bytes.
"""
import random
import struct
import sys

OPS_PER_FUNCTION = 100
GROUP = 256


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def i32const(v):
    v &= 0xFFFFFFFF
    if v >= 1 << 31:
        v -= 1 << 32
    return b"\x41" + sleb(v)


def vec(items):
    return uleb(len(items)) + b"".join(items)


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


def name(s):
    return uleb(len(s)) + s.encode()


LOCAL_GET, LOCAL_SET, LOCAL_TEE, CALL = 0x20, 0x21, 0x22, 0x10
ADD, SUB, MUL, AND, XOR, SHR_U, ROTL, GT_U = 0x6A, 0x6B, 0x6C, 0x71, 0x73, 0x76, 0x77, 0x4B
IF_I32, ELSE, END = b"\x04\x7f", 0x05, 0x0B


def leaf_body(rng):
    """f(x) -> i32: acc = x * c; then OPS_PER_FUNCTION steps of add/xor/mul/rotl, every eighth a two-way branch."""
    code = bytearray()
    code += bytes([LOCAL_GET, 0]) + i32const(rng.getrandbits(32) | 1) + bytes([MUL, LOCAL_SET, 1])
    for k in range(OPS_PER_FUNCTION):
        if k % 8 == 7:
            # if (acc & 1) acc ^ c1 else acc + c2
            code += bytes([LOCAL_GET, 1]) + i32const(1) + bytes([AND]) + IF_I32
            code += bytes([LOCAL_GET, 1]) + i32const(rng.getrandbits(32)) + bytes([XOR, ELSE])
            code += bytes([LOCAL_GET, 1]) + i32const(rng.getrandbits(32)) + bytes([ADD, END, LOCAL_SET, 1])
        else:
            op = rng.choice((ADD, XOR, MUL, SUB))
            code += bytes([LOCAL_GET, 1]) + i32const(rng.getrandbits(32) | (op == MUL)) + bytes([op])
            code += i32const(rng.randrange(1, 32)) + bytes([ROTL, LOCAL_SET, 1])
    code += bytes([LOCAL_GET, 1, END])
    return vec([uleb(1) + b"\x7f"]) + code  # one extra i32 local


def group_body(first, count):
    """g(x) -> i32: the sum of f(x) over its functions."""
    code = bytearray(i32const(0))
    for f in range(first, first + count):
        code += bytes([LOCAL_GET, 0, CALL]) + uleb(f) + bytes([ADD])
    code += bytes([END])
    return uleb(0) + code


def start_body(groups, first_group):
    """_start: acc = Σ g_j(j); write acc as 8 hex digits + '\\n' at 16, iovec {16, 9} at 0, fd_write(1, 0, 1, 32)."""
    code = bytearray(i32const(0))
    for j in range(groups):
        code += i32const(j) + bytes([CALL]) + uleb(first_group + j) + bytes([ADD])
    code += bytes([LOCAL_SET, 0])
    for i in range(8):
        code += i32const(16 + i) + bytes([LOCAL_GET, 0]) + i32const(28 - 4 * i) + bytes([SHR_U]) + i32const(15)
        code += bytes([AND, LOCAL_TEE, 1]) + i32const(48) + bytes([ADD, LOCAL_GET, 1]) + i32const(9) + bytes([GT_U])
        code += i32const(39) + bytes([MUL, ADD]) + b"\x3a\x00\x00"  # i32.store8 align=0 offset=0
    code += i32const(24) + i32const(10) + b"\x3a\x00\x00"
    code += i32const(0) + i32const(16) + b"\x36\x02\x00"  # i32.store iov.buf
    code += i32const(4) + i32const(9) + b"\x36\x02\x00"  # i32.store iov.len
    code += i32const(1) + i32const(0) + i32const(1) + i32const(32) + bytes([CALL, 0]) + b"\x1a" + bytes([END])  # drop
    return vec([uleb(2) + b"\x7f"]) + code


def module(target_bytes):
    rng = random.Random(target_bytes)
    leaves = []
    size = 0
    while size < target_bytes:
        body = leaf_body(rng)
        leaves.append(uleb(len(body)) + body)
        size += len(leaves[-1])
    n = len(leaves)
    groups = (n + GROUP - 1) // GROUP
    # Function indices: 0 fd_write (import), 1 _start, 2..2+groups-1 groups, then the leaves.
    first_group, first_leaf = 2, 2 + groups
    bodies = [start_body(groups, first_group)]
    bodies += [group_body(first_leaf + j * GROUP, min(GROUP, n - j * GROUP)) for j in range(groups)]
    code = [uleb(len(b)) + b for b in bodies] + leaves

    types = vec([
        b"\x60" + vec([b"\x7f"] * 4) + vec([b"\x7f"]),  # 0: fd_write
        b"\x60" + vec([]) + vec([]),                    # 1: _start
        b"\x60" + vec([b"\x7f"]) + vec([b"\x7f"]),      # 2: f, g
    ])
    imports = vec([name("wasi_snapshot_preview1") + name("fd_write") + b"\x00" + uleb(0)])
    funcs = vec([uleb(1)] + [uleb(2)] * (groups + n))
    memory = vec([b"\x00" + uleb(1)])
    exports = vec([name("memory") + b"\x02" + uleb(0), name("_start") + b"\x00" + uleb(1)])
    return (b"\0asm" + struct.pack("<I", 1) + section(1, types) + section(2, imports) + section(3, funcs)
            + section(5, memory) + section(7, exports) + section(10, vec(code)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: gen-module.py SIZE_MB OUT.wasm")
    with open(sys.argv[2], "wb") as out:
        out.write(module(int(float(sys.argv[1]) * 1024 * 1024)))
