#!/usr/bin/env bash
# Whole-process benchmarks of the shipped `wasmbox` (NativeAOT, as wasmbox.sh builds it) for issues #2 and #4:
# `wasmbox run` in each isolation tier against a plain Wasmtime embedding, Node's node:wasi and native builds.
#
#   bash bench/run-e2e.sh            # build what is needed (bench/build.sh), warm the caches, check outputs, run the rows
#
# Rows:
#   hello  tests/guests/c/hello.wasm, warm cache. wasmbox run (default tier: jail), --isolation process, --isolation none;
#          plainembed (AOT, the peer of the AOT wasmbox), node wasi, native, `wasmbox --version` (CLI start-up alone);
#          with JIT=1 (default) also the JIT builds of wasmbox (--isolation none) and plainembed, for information.
#          targets: #4 jail ≤ 30 ms median and faster than node wasi
#   cpu    tests/guests/c/cpu.wasm ROUNDS: --isolation none and the default jail, each with and without --timeout 60s;
#          --isolation none --fuel (informational); plainembed (AOT), node wasi, native.
#          targets: #2 --timeout ≤ 1.2× the same tier without it; the jail should cost only start-up
#   epoch  (diagnostic, not in the default ROWS) what --timeout costs in a plain embedding: plainembed with epoch checks
#          compiled in, and with a 5 ms ticker as wasmbox does
#   tiers  (diagnostic, not in the default ROWS) cpu.wasm with no limits in each tier (none, process, jail): what a long
#          run pays for the worker process and for the jail beyond their start-up
#
# Environment (all optional):
#   RUNS=30          hyperfine --runs per command per pass    WARMUP=3     hyperfine --warmup per command per pass
#   PASSES=1         run each row this many times, rotating the order of the contenders, and pool the runs (on a noisy
#                    machine PASSES=3 RUNS=10 spreads bursts of load over all contenders instead of hitting one)
#   ROUNDS=350       argument of cpu.wasm (450 is its default)
#   ROWS="hello cpu" which rows to run (add epoch and tiers for the diagnostic rows)
#   FUEL=...         the --fuel budget of the informational fuel run (default 10^15, far more than cpu.wasm uses)
#   JIT=1            also run the JIT builds in the hello row (JIT=0: AOT only, and bench/build.sh skips the JIT publish)
#   QUIET_LOAD=1.0   before each pass, wait (at most QUIET_WAIT=900 s) until the 1-minute load average is below this;
#                    for shared machines. Unset: do not wait. The load before and after each pass is recorded either way.
#   BUILD_REV=REV    build the CLI from that commit instead of the working tree (passed to bench/build.sh)
#   SKIP_BUILD=1     reuse bench/.out/ from an earlier bench/build.sh
#   OUT=DIR          where this run's JSON and summary go (default bench/.out/results/e2e-<UTC time>)
#
# Everything it writes goes under bench/.out/ (gitignored) and two cache dirs in /tmp (below). bench/build.sh publishes
# with --artifacts-path bench/.out/artifacts, so the solution's own bin/obj folders are not touched.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"

RUNS="${RUNS:-30}"
PASSES="${PASSES:-1}"
WARMUP="${WARMUP:-3}"
ROUNDS="${ROUNDS:-350}"
ROWS="${ROWS:-hello cpu}"
FUEL="${FUEL:-1000000000000000}"
JIT="${JIT:-1}"
out="$bench/.out"
OUT="${OUT:-$out/results/e2e-$(date -u +%Y%m%dT%H%M%SZ)}"
wbx_cache=/tmp/wbx-bench-cache
plain_cache=/tmp/wbx-bench-plain-cache
me=run-e2e.sh

need_tools dotnet node cc bwrap
bench_lock
[[ "${SKIP_BUILD:-}" == 1 ]] || { wait_others; JIT="$JIT" bash "$bench/build.sh"; }

wasmbox="$out/aot/wasmbox"
plain="$out/plainembed-aot/plainembed"
wasmbox_jit="$out/jit/wasmbox"
plain_jit="$out/plainembed-jit/plainembed"
native="$out/native"
need_files "$wasmbox" "$out/aot/wasmbox-worker" "$plain" "$native/hello" "$native/cpu"
[[ "$JIT" != 1 ]] || need_files "$wasmbox_jit" "$plain_jit"

hello=tests/guests/c/hello.wasm
cpu=tests/guests/c/cpu.wasm
node_run="node --no-warnings bench/node-wasi.mjs"
mkdir -p "$OUT"

# --- warm the caches and check every contender gives the same answer ------------------------------------------------
wait_others
say "warming the caches ($wbx_cache, $plain_cache)"
for m in "$hello" "$cpu"; do
  for limits in "" --timeout --fuel; do  # compile takes --timeout and --fuel as flags
    for w in "$wasmbox" $([[ "$JIT" == 1 ]] && echo "$wasmbox_jit"); do
      # shellcheck disable=SC2086
      "$w" compile --cache-dir "$wbx_cache" $limits "$m" >/dev/null
      # shellcheck disable=SC2086
      state="$("$w" compile --cache-dir "$wbx_cache" $limits "$m")"
      [[ "$state" == cached* ]] || { echo "$me: the wasmbox cache did not warm for $m $limits: $state" >&2; exit 1; }
    done
  done
  for p in "$plain" $([[ "$JIT" == 1 ]] && echo "$plain_jit"); do
    for knob in "" --epoch; do
      # shellcheck disable=SC2086
      "$p" --cache-dir "$plain_cache" $knob "$m" 1 >/dev/null
    done
  done
done

say "checking outputs"
# The default tier must really be the jail: the run must start bubblewrap (and print no fall-back notice).
if command -v strace >/dev/null; then
  strace -f -qq -e trace=execve -o "$OUT/default-tier.strace" "$wasmbox" run --cache-dir "$wbx_cache" "$hello" >/dev/null 2>"$OUT/default-tier.stderr"
  grep -q 'execve("[^"]*bwrap"' "$OUT/default-tier.strace" || { echo "$me: 'wasmbox run' (default tier) did not start bubblewrap; see $OUT/default-tier.*" >&2; exit 1; }
fi
[[ ! -s "$OUT/default-tier.stderr" ]] || { echo "$me: 'wasmbox run' printed on stderr: $(cat "$OUT/default-tier.stderr")" >&2; exit 1; }
for tier in "" "--isolation process" "--isolation none" "--isolation jail"; do
  # shellcheck disable=SC2086
  check "hello from wasmbox" "$wasmbox" run --cache-dir "$wbx_cache" $tier "$hello"
done
check "hello from wasmbox" "$plain" --cache-dir "$plain_cache" "$hello"
check "hello from wasmbox" $node_run "$hello"
check "hello from wasmbox" "$native/hello"
if [[ "$JIT" == 1 ]]; then
  check "hello from wasmbox" "$wasmbox_jit" run --cache-dir "$wbx_cache" --isolation none "$hello"
  check "hello from wasmbox" "$plain_jit" --cache-dir "$plain_cache" "$hello"
fi
if row cpu || row epoch || row tiers; then
  cpu_expected="$("$native/cpu" "$ROUNDS")"
  for tier in "--isolation none" ""; do
    # shellcheck disable=SC2086
    check "$cpu_expected" "$wasmbox" run --cache-dir "$wbx_cache" $tier "$cpu" "$ROUNDS"
    # shellcheck disable=SC2086
    check "$cpu_expected" "$wasmbox" run --cache-dir "$wbx_cache" $tier --timeout 60s "$cpu" "$ROUNDS"
  done
  check "$cpu_expected" "$wasmbox" run --cache-dir "$wbx_cache" --isolation none --fuel "$FUEL" "$cpu" "$ROUNDS"
  check "$cpu_expected" "$plain" --cache-dir "$plain_cache" "$cpu" "$ROUNDS"
  check "$cpu_expected" $node_run "$cpu" "$ROUNDS"
  check "$cpu_expected" "$plain" --cache-dir "$plain_cache" --epoch "$cpu" "$ROUNDS"
  check "$cpu_expected" "$plain" --cache-dir "$plain_cache" --epoch-tick 5 "$cpu" "$ROUNDS"
fi

machine_info "passes: $PASSES, runs per pass: $RUNS, warmup: $WARMUP, cpu rounds: $ROUNDS, fuel: $FUEL, rows: $ROWS, jit rows: $JIT"

# --- row hello: hello.wasm, warm cache ------------------------------------------------------------------------------
# "wasmbox --version" runs no guest: it is there to show how much of the time is the CLI's own start-up.
hello_cmds=(
  "wasmbox run (jail)"     "$wasmbox run --cache-dir $wbx_cache $hello"
  "wasmbox run (process)"  "$wasmbox run --cache-dir $wbx_cache --isolation process $hello"
  "wasmbox run (none)"     "$wasmbox run --cache-dir $wbx_cache --isolation none $hello"
  "plainembed"             "$plain --cache-dir $plain_cache $hello"
  "node wasi"              "$node_run $hello"
  "native"                 "$native/hello"
  "wasmbox --version"      "$wasmbox --version"
)
[[ "$JIT" != 1 ]] || hello_cmds+=(
  "JIT wasmbox run (none)" "$wasmbox_jit run --cache-dir $wbx_cache --isolation none $hello"
  "JIT plainembed"         "$plain_jit --cache-dir $plain_cache $hello"
)
row hello && hf hello "${hello_cmds[@]}"

# --- row cpu: CPU-bound guest ---------------------------------------------------------------------------------------
row cpu && hf cpu \
  "wasmbox run (none)"               "$wasmbox run --cache-dir $wbx_cache --isolation none $cpu $ROUNDS" \
  "wasmbox run (none) --timeout 60s" "$wasmbox run --cache-dir $wbx_cache --isolation none --timeout 60s $cpu $ROUNDS" \
  "wasmbox run (jail)"               "$wasmbox run --cache-dir $wbx_cache $cpu $ROUNDS" \
  "wasmbox run (jail) --timeout 60s" "$wasmbox run --cache-dir $wbx_cache --timeout 60s $cpu $ROUNDS" \
  "wasmbox run (none) --fuel"        "$wasmbox run --cache-dir $wbx_cache --isolation none --fuel $FUEL $cpu $ROUNDS" \
  "plainembed"                       "$plain --cache-dir $plain_cache $cpu $ROUNDS" \
  "node wasi"                        "$node_run $cpu $ROUNDS" \
  "native"                           "$native/cpu $ROUNDS"

# --- row tiers (diagnostic): cpu.wasm in each tier, no limits: what a long run pays for the worker and the jail ------
row tiers && hf tiers \
  "wasmbox run (none)"    "$wasmbox run --cache-dir $wbx_cache --isolation none $cpu $ROUNDS" \
  "wasmbox run (process)" "$wasmbox run --cache-dir $wbx_cache --isolation process $cpu $ROUNDS" \
  "wasmbox run (jail)"    "$wasmbox run --cache-dir $wbx_cache $cpu $ROUNDS"

# --- row epoch (diagnostic): what --timeout costs in a plain embedding ----------------------------------------------
# plainembed --epoch: epoch checks compiled in, deadline never reached, no ticker (the checks alone).
# plainembed --epoch-tick 5: plus a thread that advances the epoch every 5 ms and a callback each tick (what wasmbox does).
row epoch && hf epoch \
  "plainembed"                "$plain --cache-dir $plain_cache $cpu $ROUNDS" \
  "plainembed --epoch"        "$plain --cache-dir $plain_cache --epoch $cpu $ROUNDS" \
  "plainembed --epoch-tick 5" "$plain --cache-dir $plain_cache --epoch-tick 5 $cpu $ROUNDS"

node bench/summarize.mjs "$OUT" | tee "$OUT/summary.md"
echo "raw hyperfine JSON: $OUT" >&2
