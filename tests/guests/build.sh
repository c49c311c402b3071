#!/usr/bin/env bash
# Builds the C test guests (tests/guests/c/*.c -> c/<name>.wasm), the conformance guests
# (tests/guests/conformance/*.c -> conformance/<name>.wasm) and examples/hello.wasm.
#
# Committed .wasm files were built with:
#   clang:      Debian clang version 14.0.6
#   wasi-libc:  0.0~git20220510.9886d3d-2 (Debian 12 package)
#   lld:        1:14.0-55.7~deb12u1
#   libclang-rt-dev-wasm32: 1:14.0-55.7~deb12u1
# Install on Debian 12: apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32
#
# Usage:
#   tests/guests/build.sh           rebuild the committed .wasm files in place
#   tests/guests/build.sh --check   rebuild into a temp dir and compare bytes with the committed
#                                   files; exit 1 on any difference, exit 0 with
#                                   "skipped: ..." when the toolchain is missing
#
# The WAT guests in wat/ and conformance/ need no build: the tests compile them with Wasmtime's text parser.
#
# Reproducibility: sources are compiled from their own directory by relative file name and
# without debug info (-s strips names/debug sections), so no absolute path ends up in the
# output; the same toolchain gives byte-identical files.
set -euo pipefail

RECORDED_CLANG="Debian clang version 14.0.6"
CFLAGS=(--target=wasm32-wasi -O2 -s)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

mode=build
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

CC="${WASM_CC:-clang}"

toolchain_ok() {
  command -v "$CC" >/dev/null 2>&1 || return 1
  local t
  t="$(mktemp -d)"
  printf 'int main(void){return 0;}\n' >"$t/probe.c"
  if (cd "$t" && "$CC" "${CFLAGS[@]}" -o probe.wasm probe.c) >/dev/null 2>&1; then
    rm -rf "$t"; return 0
  fi
  rm -rf "$t"; return 1
}

if ! toolchain_ok; then
  if [[ $mode == check ]]; then
    echo "skipped: clang for wasm32-wasi not installed (apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32)"
    exit 0
  fi
  echo "error: clang for wasm32-wasi not installed (apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32)" >&2
  exit 1
fi

# compile SRC_DIR NAME OUT: builds SRC_DIR/NAME.c into OUT, run from SRC_DIR with a relative name.
compile() {
  local dir="$1" name="$2" out="$3"
  (cd "$dir" && "$CC" "${CFLAGS[@]}" -o "$out" "$name.c")
}

# Every target as "source-dir name committed-output".
targets=()
for src in "$here"/c/*.c; do
  name="$(basename "$src" .c)"
  targets+=("$here/c $name $here/c/$name.wasm")
done
for src in "$here"/conformance/*.c; do
  name="$(basename "$src" .c)"
  targets+=("$here/conformance $name $here/conformance/$name.wasm")
done
targets+=("$repo/examples hello $repo/examples/hello.wasm")

if [[ $mode == build ]]; then
  for t in "${targets[@]}"; do
    read -r dir name out <<<"$t"
    tmp="$out.tmp.$$"
    compile "$dir" "$name" "$tmp"
    mv -f "$tmp" "$out"
    echo "built ${out#"$repo"/}"
  done
  exit 0
fi

# --check
actual_clang="$("$CC" --version | head -n1)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
if ! cmp -s "$here/c/hello.c" "$repo/examples/hello.c"; then
  echo "DIFFERS: examples/hello.c is not a copy of tests/guests/c/hello.c"
  status=1
fi
i=0
for t in "${targets[@]}"; do
  read -r dir name out <<<"$t"
  i=$((i + 1))
  fresh="$work/$i-$name.wasm"
  compile "$dir" "$name" "$fresh"
  rel="${out#"$repo"/}"
  if [[ ! -f $out ]]; then
    echo "MISSING: $rel"
    status=1
  elif ! cmp -s "$fresh" "$out"; then
    echo "DIFFERS: $rel"
    status=1
  fi
done
if [[ $status -ne 0 ]]; then
  if [[ $actual_clang != "$RECORDED_CLANG" ]]; then
    echo "note: this toolchain ($actual_clang) is not the recorded one ($RECORDED_CLANG)"
  fi
  echo "guest check failed: run tests/guests/build.sh and commit the .wasm files"
  exit 1
fi
echo "guest check ok: ${#targets[@]} .wasm files match their sources"
