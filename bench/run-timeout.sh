#!/usr/bin/env bash
# What --timeout costs a CPU-bound guest (issue 9 item 2): cpu.wasm ROUNDS with and without `--timeout 60s` in each
# tier, and a plain Wasmtime embedding with and without epoch checks compiled in (what the checks themselves cost,
# which the daemon's and library's in-process runs still pay). Also prints the report's cpu_ms per tier (item 5).
#
#   bash bench/run-timeout.sh          # builds with bench/build.sh unless SKIP_BUILD=1
#
# Environment (all optional): RUNS=10 WARMUP=2 PASSES=3 ROUNDS=350 QUIET_LOAD= QUIET_WAIT=900 SKIP_BUILD= OUT=DIR
# (default bench/.out/results/timeout-<UTC time>). Targets: --timeout ÷ without ≤ 1.03× in the jail, ≤ 1.15× in none.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"

RUNS="${RUNS:-10}"
PASSES="${PASSES:-3}"
WARMUP="${WARMUP:-2}"
ROUNDS="${ROUNDS:-350}"
out="$bench/.out"
OUT="${OUT:-$out/results/timeout-$(date -u +%Y%m%dT%H%M%SZ)}"
wbx_cache=/tmp/wbx-bench-timeout-cache
plain_cache=/tmp/wbx-bench-plain-cache
me=run-timeout.sh

need_tools dotnet cc bwrap
bench_lock
[[ "${SKIP_BUILD:-}" == 1 ]] || { wait_others; JIT=0 bash "$bench/build.sh"; }
wasmbox="$out/aot/wasmbox"
plain="$out/plainembed-aot/plainembed"
need_files "$wasmbox" "$out/aot/wasmbox-worker" "$plain" "$out/native/cpu"
cpu=tests/guests/c/cpu.wasm
mkdir -p "$OUT"

say "warming the caches and checking outputs"
expected="$("$out/native/cpu" "$ROUNDS")"
for tier in none process jail; do
  for limit in "" "--timeout 60s"; do
    # shellcheck disable=SC2086
    check "$expected" "$wasmbox" run --cache-dir "$wbx_cache" --isolation $tier $limit "$cpu" "$ROUNDS"
  done
done
for knob in "" --epoch; do
  # shellcheck disable=SC2086
  check "$expected" "$plain" --cache-dir "$plain_cache" $knob "$cpu" "$ROUNDS"
done

machine_info "passes: $PASSES, runs per pass: $RUNS, warmup: $WARMUP, cpu rounds: $ROUNDS"

W="$wasmbox run --cache-dir $wbx_cache"
hf timeout \
  "none"                 "$W --isolation none $cpu $ROUNDS" \
  "none --timeout 60s"   "$W --isolation none --timeout 60s $cpu $ROUNDS" \
  "jail"                 "$W --isolation jail $cpu $ROUNDS" \
  "jail --timeout 60s"   "$W --isolation jail --timeout 60s $cpu $ROUNDS" \
  "process"              "$W --isolation process $cpu $ROUNDS" \
  "process --timeout 60s" "$W --isolation process --timeout 60s $cpu $ROUNDS" \
  "plainembed"           "$plain --cache-dir $plain_cache $cpu $ROUNDS" \
  "plainembed --epoch"   "$plain --cache-dir $plain_cache --epoch $cpu $ROUNDS"

say "the report's cpu_ms (3 runs per tier)"
for tier in none process jail; do
  for i in 1 2 3; do
    "$wasmbox" run --cache-dir "$wbx_cache" --isolation "$tier" --report "$OUT/report-$tier-$i.json" "$cpu" "$ROUNDS" >/dev/null
    printf '%s run %s: %s\n' "$tier" "$i" "$(tr -d ' \n' < "$OUT/report-$tier-$i.json" | grep -o '"wall_ms":[0-9.]*,"cpu_ms":[0-9.]*')"
  done
done | tee "$OUT/cpu-ms.txt" >&2
