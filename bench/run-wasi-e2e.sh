#!/usr/bin/env bash
# Whole-process benchmarks of Wasmbox's own WASI host (issue #3), with the shipped `wasmbox` (NativeAOT, as wasmbox.sh
# builds it): our host in this process (--isolation none) and in the default jail tier (guest output travels to the
# parent as frames over a pipe), against Wasmtime's built-in WASI (--isolation none --wasi-host wasmtime: same process
# and CLI, the only tier it runs in), Node's node:wasi and the native build.
#
#   bash bench/run-wasi-e2e.sh       # build what is needed (bench/build.sh), warm the cache, check outputs, run the rows
#
# Rows:
#   startup output_flood.wasm 0 SIZE: no writes, the fixed cost of each contender, so that the summary can give the
#           marginal cost per write and per cycle
#   flood   tests/guests/c/output_flood.wasm N SIZE: N write(1, buf, SIZE) calls, stdout to /dev/null (hyperfine --output=null)
#           targets: wasmbox run ≤ 1.3× native, and faster than both WASI peers
#   files   tests/guests/c/file_cycles.wasm /d CYCLES in a granted temp dir (--dir TMP::/d; native gets TMP itself):
#           create/write/fstat/close/stat/open/read/close/unlink per cycle
#           targets: wasmbox run ≤ 2× native, and faster than both WASI peers
#
# Environment (all optional):
#   RUNS=20  WARMUP=3            hyperfine --runs / --warmup per command per pass
#   PASSES=1                     passes per row, rotating the order of the contenders; runs are pooled (see run-e2e.sh)
#   N=200000 SIZE=64             output_flood arguments              CYCLES=2000   file_cycles argument
#   ROWS="startup flood files"   which rows to run
#   STRACE=1                     also count each contender's syscalls once per row (strace -c -f), into $OUT/strace-*.txt
#   QUIET_LOAD=1.0               before each pass, wait (at most QUIET_WAIT=900 s) until the 1-minute load average is below this
#   BUILD_REV=REV                build the CLI from that commit instead of the working tree (passed to bench/build.sh)
#   SKIP_BUILD=1                 reuse bench/.out/ from an earlier bench/build.sh
#   OUT=DIR                      where this run's JSON and summary go (default bench/.out/results/wasi-<UTC time>)
#
# Everything it writes goes under bench/.out/ (gitignored), a cache dir and a temp grant in /tmp; bench/build.sh
# publishes with --artifacts-path, so the solution's own bin/obj folders are not touched.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"

RUNS="${RUNS:-20}"
PASSES="${PASSES:-1}"
WARMUP="${WARMUP:-3}"
N="${N:-200000}"
SIZE="${SIZE:-64}"
CYCLES="${CYCLES:-2000}"
ROWS="${ROWS:-startup flood files}"
out="$bench/.out"
OUT="${OUT:-$out/results/wasi-$(date -u +%Y%m%dT%H%M%SZ)}"
wbx_cache=/tmp/wbx-wasi-bench-cache
me=run-wasi-e2e.sh
HF_OUTPUT=null

need_tools dotnet node cc bwrap
if [[ "${STRACE:-}" == 1 ]] && ! command -v strace >/dev/null; then
  echo "$me: STRACE=1 needs strace (apt-get install strace)" >&2; exit 1
fi
bench_lock
[[ "${SKIP_BUILD:-}" == 1 ]] || { wait_others; bash "$bench/build.sh"; }

wasmbox="$out/aot/wasmbox"
native="$out/native"
need_files "$wasmbox" "$out/aot/wasmbox-worker" "$native/output_flood" "$native/file_cycles"

flood=tests/guests/c/output_flood.wasm
files=tests/guests/c/file_cycles.wasm
node_run="node --no-warnings bench/node-wasi.mjs"
grant="$(mktemp -d /tmp/wbx-wasi-bench-grant.XXXXXX)"
trap 'rm -rf "$grant"' EXIT
mkdir -p "$OUT"

# --- warm the cache (both WASI hosts and all tiers use the same compiled artifact: the engine is the same) -----------
wait_others
say "warming the cache ($wbx_cache)"
for m in "$flood" "$files"; do
  "$wasmbox" compile --cache-dir "$wbx_cache" "$m" >/dev/null
  state="$("$wasmbox" compile --cache-dir "$wbx_cache" "$m")"
  [[ "$state" == cached* ]] || { echo "$me: the wasmbox cache did not warm for $m: $state" >&2; exit 1; }
done

# --- the contenders -------------------------------------------------------------------------------------------------
W="$wasmbox run --cache-dir $wbx_cache"
contenders() { # contenders MODULE-ARGS NATIVE-CMD [GRANT-FLAGS]: the label/command pairs of one row
  local margs="$1" ncmd="$2" grantf="${3:-}"
  printf '%s\n' \
    "wasmbox run (none)"                "$W --isolation none $grantf $margs" \
    "wasmbox run (jail)"                "$W $grantf $margs" \
    "wasmtime wasi (none)"              "$W --isolation none --wasi-host wasmtime $grantf $margs" \
    "node wasi"                         "$node_run $grantf $margs" \
    "native"                            "$ncmd"
}
mapfile -t startup_cmds < <(contenders "$flood 0 $SIZE" "$native/output_flood 0 $SIZE")
mapfile -t flood_cmds < <(contenders "$flood $N $SIZE" "$native/output_flood $N $SIZE")
mapfile -t files_cmds < <(contenders "$files /d $CYCLES" "$native/file_cycles $grant $CYCLES" "--dir $grant::/d")

# --- check every contender does the same work -----------------------------------------------------------------------
say "checking outputs"
flood_bytes=$((N * SIZE))
# Into a file, not a pipe: node:wasi gives up (EAGAIN) on a full non-blocking pipe; /dev/null and files never fill.
flood_out="$OUT/flood-check.out"
for ((i = 0; i < ${#flood_cmds[@]}; i += 2)); do
  # shellcheck disable=SC2086
  ${flood_cmds[i + 1]} > "$flood_out" || { echo "$me: '${flood_cmds[i]}' failed (exit $?)" >&2; exit 1; }
  got="$(stat -c %s "$flood_out")"
  [[ "$got" == "$flood_bytes" ]] || { echo "$me: '${flood_cmds[i]}' wrote $got bytes, expected $flood_bytes" >&2; exit 1; }
done
rm -f "$flood_out"
for ((i = 0; i < ${#files_cmds[@]}; i += 2)); do
  # shellcheck disable=SC2086
  got="$(${files_cmds[i + 1]})" || { echo "$me: '${files_cmds[i]}' failed: $got" >&2; exit 1; }
  [[ "$got" == "cycles=$CYCLES" ]] || { echo "$me: '${files_cmds[i]}' printed '$got', expected 'cycles=$CYCLES'" >&2; exit 1; }
  [[ -z "$(ls -A "$grant")" ]] || { echo "$me: '${files_cmds[i]}' left files in $grant" >&2; exit 1; }
done

machine_info "grant: $grant ($(df -T "$grant" | awk 'NR==2{print $2}')); passes: $PASSES, runs per pass: $RUNS, warmup: $WARMUP, flood: $N x $SIZE B, cycles: $CYCLES, rows: $ROWS"

strace_counts() { # strace_counts NAME then pairs of (label, command): syscall counts of one run each, for the diagnosis
  [[ "${STRACE:-}" == 1 ]] || return 0
  local name="$1"; shift
  while (($#)); do
    local file
    file="$OUT/strace-$name-$(echo "$1" | tr -c 'a-zA-Z0-9\n' '_').txt"
    # shellcheck disable=SC2086
    strace -f -c -o "$file" $2 >/dev/null
    shift 2
  done
}

row startup && hf startup "${startup_cmds[@]}"
row flood && hf flood "${flood_cmds[@]}" && strace_counts flood "${flood_cmds[@]}"
row files && hf files "${files_cmds[@]}" && strace_counts files "${files_cmds[@]}"

N="$N" CYCLES="$CYCLES" node bench/summarize.mjs "$OUT" | tee "$OUT/summary.md"
echo "raw hyperfine JSON: $OUT" >&2
