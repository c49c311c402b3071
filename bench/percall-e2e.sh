#!/usr/bin/env bash
# Issue 9's per-call targets, whole process, in one sitting: 200,000 x 64 B writes to /dev/null (flood) and 2,000 file
# create/write/stat/read/unlink cycles (files), each against the native C build of the same workload, with the peers
# (node:wasi, Wasmtime's built-in WASI), an optional earlier build (BEFORE) measured in the same hyperfine runs, and the
# floors that explain what cannot be met:
#   flood: plainembed --bare-fd-write, a .NET host whose fd_write does nothing but read the iovecs and write(2);
#   files: a jailed hello (the jail's start, which every jailed run pays before its first cycle) and `bwrap ... true`.
#
#   bash bench/percall-e2e.sh                                  # after bash bench/build.sh
#   BEFORE=/tmp/aot-old bash bench/percall-e2e.sh              # BEFORE: a copy of an earlier bench/.out/aot
#
# Environment (all optional): RUNS=10 WARMUP=2 PASSES=3 (pooled, contender order rotated each pass), N=200000 SIZE=64,
# CYCLES=2000, ROWS="flood files fixed hello" (fixed: the same programs with 0 writes and 0 cycles, for the marginal cost), QUIET_LOAD/QUIET_WAIT (see common.sh), OUT (default bench/.out/results/percall-<time>).
# Prints the medians and the ratios of medians (bench/percall-summary.py) into $OUT/summary.md.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"

RUNS="${RUNS:-10}"
WARMUP="${WARMUP:-2}"
PASSES="${PASSES:-3}"
N="${N:-200000}"
SIZE="${SIZE:-64}"
CYCLES="${CYCLES:-2000}"
ROWS="${ROWS:-flood files fixed hello}"
out="$bench/.out"
OUT="${OUT:-$out/results/percall-$(date -u +%Y%m%dT%H%M%SZ)}"
me=percall-e2e.sh
HF_OUTPUT=null

need_tools node cc bwrap python3
bench_lock
need_files "$out/aot/wasmbox" "$out/aot/wasmbox-worker" "$out/native/output_flood" "$out/native/file_cycles" "$out/plainembed-aot/plainembed"
[[ -z "${BEFORE:-}" ]] || need_files "$BEFORE/wasmbox" "$BEFORE/wasmbox-worker"
mkdir -p "$OUT"

flood=tests/guests/c/output_flood.wasm
files=tests/guests/c/file_cycles.wasm
hello=tests/guests/c/hello.wasm
grant="$(mktemp -d /tmp/wbx-percall-grant.XXXXXX)"
caches="$(mktemp -d /tmp/wbx-percall-cache.XXXXXX)"
trap 'rm -rf "$grant" "$caches"' EXIT

# One cache per build (each cache has its own secret), warmed before anything is timed.
builds=("after:$out/aot")
[[ -z "${BEFORE:-}" ]] || builds+=("before:$BEFORE")
for b in "${builds[@]}"; do
  for m in "$flood" "$files" "$hello"; do "${b#*:}/wasmbox" compile --cache-dir "$caches/${b%%:*}" "$m" >/dev/null; done
done
PLAINEMBED_CACHE="$caches/plainembed" "$out/plainembed-aot/plainembed" "$flood" 0 "$SIZE" >/dev/null
export PLAINEMBED_CACHE="$caches/plainembed"

wbx() { echo "${1#*:}/wasmbox run --cache-dir $caches/${1%%:*}"; }
flood_cmds=("native" "$out/native/output_flood $N $SIZE"
  "plainembed --bare-fd-write (floor)" "$out/plainembed-aot/plainembed --bare-fd-write $flood $N $SIZE"
  "wasmtime wasi (none)" "$(wbx "${builds[0]}") --isolation none --wasi-host wasmtime $flood $N $SIZE"
  "node wasi" "node --no-warnings bench/node-wasi.mjs $flood $N $SIZE")
files_cmds=("native" "$out/native/file_cycles $grant $CYCLES"
  "wasmtime wasi (none)" "$(wbx "${builds[0]}") --isolation none --wasi-host wasmtime --dir $grant::/d $files /d $CYCLES"
  "node wasi" "node --no-warnings bench/node-wasi.mjs --dir $grant::/d $files /d $CYCLES")
fixed_cmds=("native flood 0" "$out/native/output_flood 0 $SIZE" "native files 0" "$out/native/file_cycles $grant 0")
hello_cmds=("bwrap --unshare-all --ro-bind /usr /usr ... true" "bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/lib64 /lib64 --symlink usr/lib /lib --symlink usr/bin /bin --proc /proc --dev /dev /usr/bin/true")
for b in "${builds[@]}"; do
  for tier in none jail; do
    flood_cmds+=("wasmbox $tier (${b%%:*})" "$(wbx "$b") --isolation $tier $flood $N $SIZE")
    files_cmds+=("wasmbox $tier (${b%%:*})" "$(wbx "$b") --isolation $tier --dir $grant::/d $files /d $CYCLES")
    hello_cmds+=("wasmbox $tier hello (${b%%:*})" "$(wbx "$b") --isolation $tier $hello")
    fixed_cmds+=("wasmbox $tier flood 0 (${b%%:*})" "$(wbx "$b") --isolation $tier $flood 0 $SIZE"
      "wasmbox $tier files 0 (${b%%:*})" "$(wbx "$b") --isolation $tier --dir $grant::/d $files /d 0")
  done
done

say "checking outputs"
# Into a file, not a pipe: node:wasi gives up (EAGAIN) on a full non-blocking pipe.
for ((i = 0; i < ${#flood_cmds[@]}; i += 2)); do
  # shellcheck disable=SC2086
  ${flood_cmds[i + 1]} > "$OUT/flood-check.out"
  got="$(stat -c %s "$OUT/flood-check.out")"
  [[ "$got" == $((N * SIZE)) ]] || { echo "$me: '${flood_cmds[i]}' wrote $got bytes" >&2; exit 1; }
done
rm -f "$OUT/flood-check.out"
for ((i = 0; i < ${#files_cmds[@]}; i += 2)); do
  # shellcheck disable=SC2086
  got="$(${files_cmds[i + 1]})"
  [[ "$got" == "cycles=$CYCLES" && -z "$(ls -A "$grant")" ]] || { echo "$me: '${files_cmds[i]}' printed '$got'" >&2; exit 1; }
done

machine_info "passes: $PASSES, runs per pass: $RUNS, warmup: $WARMUP, flood: $N x $SIZE B, cycles: $CYCLES in $grant ($(df -T "$grant" | awk 'NR==2{print $2}')), before: ${BEFORE:-none}"
row flood && hf flood "${flood_cmds[@]}"
row files && hf files "${files_cmds[@]}"
row fixed && hf fixed "${fixed_cmds[@]}"
row hello && hf hello "${hello_cmds[@]}"
python3 "$bench/percall-summary.py" "$OUT" | tee "$OUT/summary.md"
