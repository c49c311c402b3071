#!/usr/bin/env bash
# The warm worker pool (issue 13 item 2): spawn-to-running and spawn-to-exited of a grant-less jailed sandbox taken
# from the daemon's pool, against a cold jailed spawn (a daemon without a pool) and a foreground `wasmbox run`, then
# sandboxes per second sustained for DURATION seconds with and without the pool. Everything is the NativeAOT build in
# .build/wasmbox/ (./wasmbox.sh builds it when a source changed), the jail tier, the stamp guest (written by
# daemon-pool.py: its _start prints CLOCK_REALTIME in ns, so "running" is measured on the same clock as the request).
#
#   bash bench/daemon-pool.sh
#
# latency    N rounds, each: one pooled spawn (then 250 ms for the pool to refill), one foreground run, one cold spawn.
#            answered = until the daemon's 201 (the record is durable and the sandbox is being started).
#            running = the guest's first clock reading minus the client's clock just before the request (for the
#            daemons: the POST; for run: the fork). exited = until the wait's answer (daemons) or the process's exit.
# sustained  CLIENTS clients, each POST + wait + logs + DELETE in a loop for DURATION seconds, against the pooled daemon,
#            then the cold one: sandboxes run to the end per second.
#
# Environment (all optional): N=60 DURATION=60 CLIENTS=8 POOL=4 QUIET_LOAD=… OUT=DIR
# (default bench/.out/results/pool-<UTC time>). Writes OUT/*.txt (one number per line) and OUT/summary.md.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"
me=daemon-pool.sh
N="${N:-60}"
SECONDS_SUSTAINED="${DURATION:-60}"
CLIENTS="${CLIENTS:-8}"
POOL="${POOL:-4}"
OUT="${OUT:-$bench/.out/results/pool-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
bench_lock

./wasmbox.sh --version >/dev/null
bin="$repo/.build/wasmbox"
work="$(mktemp -d /tmp/wbx-pool-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 1
  cp "$work"/*.log "$OUT/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export XDG_CACHE_HOME="$work/xdg"
python3 "$bench/daemon-pool.py" stamp "$work/stamp.wasm"
"$bin/wasmbox" run "$work/stamp.wasm" >/dev/null

start_daemon() { # start_daemon NAME EXTRA...: a daemon on $work/NAME.sock
  local name="$1"; shift
  "$bin/wasmbox-daemon" --socket "$work/$name.sock" --data-dir "$work/$name" --max-sandboxes 64 "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do [[ -S "$work/$name.sock" ]] && return 0; sleep 0.05; done
  echo "$me: the $name daemon did not start: $(cat "$work/$name.log")" >&2; exit 1
}
start_daemon pooled --pool "$POOL"
start_daemon cold
sleep 2

wait_quiet
load_before="$(cut -d' ' -f1 /proc/loadavg)"
python3 "$bench/daemon-pool.py" latency "$bin/wasmbox" "$work/stamp.wasm" "$work/pooled.sock" "$work/cold.sock" "$N" "$OUT"
python3 "$bench/daemon-pool.py" sustained "$work/pooled.sock" "$SECONDS_SUSTAINED" "$CLIENTS" "$work/stamp.wasm" "$OUT/sustained-pooled.txt"
python3 "$bench/daemon-pool.py" sustained "$work/cold.sock" "$SECONDS_SUSTAINED" "$CLIENTS" "$work/stamp.wasm" "$OUT/sustained-cold.txt"
load_after="$(cut -d' ' -f1 /proc/loadavg)"

pct() { sort -n "$1" | awk -v p="$2" '{ a[NR] = $1 } END { i = int((NR - 1) * p + 0.5) + 1; print a[i] }'; }
row() { # row LABEL NAME
  local r50 r99 e50 e99
  r50=$(pct "$OUT/$2-running.txt" 0.5); r99=$(pct "$OUT/$2-running.txt" 0.99)
  e50=$(pct "$OUT/$2-exited.txt" 0.5); e99=$(pct "$OUT/$2-exited.txt" 0.99)
  echo "| $1 | $r50 | $r99 | $e50 | $e99 | $(echo "scale=2; $e50 / $(pct "$OUT/foreground-exited.txt" 0.5)" | bc) |"
}
{
  echo "# daemon-pool.sh, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs, $(uname -r); load $load_before → $load_after; N=$N, POOL=$POOL, CLIENTS=$CLIENTS, ${SECONDS_SUSTAINED}s"
  echo
  echo "| contender | spawn→running p50 ms | p99 | spawn→exited p50 ms | p99 | exited vs foreground p50 |"
  echo "|---|---:|---:|---:|---:|---:|"
  row "daemon, warm pool (\`--pool $POOL\`)" pooled
  row "daemon, cold jailed spawn" cold
  row "foreground \`wasmbox run\`" foreground
  echo
  echo "POST answered (201), p50 ms: pooled daemon $(pct "$OUT/pooled-answered.txt" 0.5), cold daemon $(pct "$OUT/cold-answered.txt" 0.5)"
  echo "sustained, $CLIENTS clients, ${SECONDS_SUSTAINED}s: pooled $(cat "$OUT/sustained-pooled.txt")/s, cold $(cat "$OUT/sustained-cold.txt")/s (sandboxes run to the end)"
} | tee "$OUT/summary.md"
