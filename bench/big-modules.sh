#!/usr/bin/env bash
# Warm starts of big modules (issue 9 item 4, "Big modules start fast"): a cached module of about 1, 25 and 75 MB,
# run by the shipped `wasmbox` (NativeAOT) in tiers none and jail, against a plain Wasmtime embedding (bench/PlainEmbed:
# maps its cached artifact, hashes the module, no other checks) and Node's node:wasi, in the same run. With BEFORE=DIR
# (a bench/build.sh aot/ folder of an older commit) that build is measured too, on the same cache.
#
#   bash bench/big-modules.sh
#   BEFORE=bench/.out/aot-before bash bench/big-modules.sh   # e.g. after: BUILD_REV=<old> bash bench/build.sh && cp -a bench/.out/aot bench/.out/aot-before, then bash bench/build.sh
#
# The modules are written by bench/bigmod/gen-module.py into bench/.out/bigmod/ (never committed): many distinct
# arithmetic functions, all called from _start, which prints their sum; every contender must print the same line.
# The first run of each compiles it into the cache (minutes for 75 MB); the rows measure only warm starts.
#
# Environment (all optional):
#   SIZES="1 25 75"        module sizes in MB          RUNS=10  WARMUP=2  PASSES=1   hyperfine settings (see common.sh)
#   BEFORE=DIR             also measure DIR/wasmbox     NODE=1   include node (0 skips it: 6 s a run at 75 MB)
#   QUIET_LOAD=1.0         wait for a quiet machine before each pass   SKIP_BUILD=1   reuse bench/.out/
#   OUT=DIR                results (default bench/.out/results/bigmod-<UTC time>)
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"

RUNS="${RUNS:-10}"
WARMUP="${WARMUP:-2}"
PASSES="${PASSES:-1}"
SIZES="${SIZES:-1 25 75}"
out="$bench/.out"
OUT="${OUT:-$out/results/bigmod-$(date -u +%Y%m%dT%H%M%SZ)}"
wbx_cache=/tmp/wbx-bigmod-cache
plain_cache=/tmp/wbx-bigmod-plainembed-cache
me=big-modules.sh
HF_OUTPUT=null

need_tools dotnet node python3 bwrap
bench_lock
[[ "${SKIP_BUILD:-}" == 1 ]] || { wait_others; JIT=0 bash "$bench/build.sh"; }
wasmbox="$out/aot/wasmbox"
plain="$out/plainembed-aot/plainembed"
need_files "$wasmbox" "$out/aot/wasmbox-worker" "$plain"
[[ -z "${BEFORE:-}" ]] || need_files "$BEFORE/wasmbox" "$BEFORE/wasmbox-worker"
mkdir -p "$OUT" "$out/bigmod"

# --- the modules, and a warm cache for every contender ---------------------------------------------------------------
compile_flags="--max-compile-time 900s --max-compile-memory 8GiB"
for mb in $SIZES; do
  m="$out/bigmod/m$mb.wasm"
  [[ -f "$m" ]] || { say "generating $m"; python3 "$bench/bigmod/gen-module.py" "$mb" "$m"; }
  expected="$(node --no-warnings "$bench/node-wasi.mjs" "$m")"
  echo "$expected" > "$OUT/expected-m$mb.txt"
  wait_others
  say "warming the caches for m$mb ($(stat -c %s "$m") bytes)"
  for tier in none jail; do
    # shellcheck disable=SC2086
    check "$expected" "$wasmbox" run --cache-dir "$wbx_cache" --isolation "$tier" $compile_flags "$m"
    [[ -z "${BEFORE:-}" ]] || check "$expected" "$BEFORE/wasmbox" run --cache-dir "$wbx_cache" --isolation "$tier" "$m"
  done
  check "$expected" "$plain" --cache-dir "$plain_cache" "$m"
done
# A file changed less than 2 s ago is not memoised (FileStamp.IsSettled): let the new entries settle, then make the memos.
sleep 3
for mb in $SIZES; do
  for tier in none jail; do "$wasmbox" run --cache-dir "$wbx_cache" --isolation "$tier" "$out/bigmod/m$mb.wasm" >/dev/null; done
done

machine_info "cache: $wbx_cache ($(df -T "$wbx_cache" | awk 'NR==2{print $2}')); passes: $PASSES, runs per pass: $RUNS, warmup: $WARMUP; sizes: $SIZES; artifacts: $(du -b "$wbx_cache"/*.cwasm | awk '{printf "%s ", $1}')"

for mb in $SIZES; do
  m="$out/bigmod/m$mb.wasm"
  W="$wasmbox run --cache-dir $wbx_cache"
  cmds=("wasmbox (none)" "$W --isolation none $m" "wasmbox (jail)" "$W --isolation jail $m")
  if [[ -n "${BEFORE:-}" ]]; then
    B="$BEFORE/wasmbox run --cache-dir $wbx_cache"
    cmds+=("before (none)" "$B --isolation none $m" "before (jail)" "$B --isolation jail $m")
  fi
  cmds+=("plainembed" "$plain --cache-dir $plain_cache $m")
  [[ "${NODE:-1}" == 0 ]] || cmds+=("node wasi" "node --no-warnings $bench/node-wasi.mjs $m")
  hf "m$mb" "${cmds[@]}"
done

node "$bench/bigmod/summarize.mjs" "$OUT" $SIZES | tee "$OUT/summary-table.md"
echo "raw hyperfine JSON: $OUT" >&2
