#!/usr/bin/env bash
# The process manager (issue #8): spawn latency and throughput through the daemon's API, against the same number of
# foreground `wasmbox run`s, and the daemon's own memory. Everything is the NativeAOT build in .build/wasmbox/ (built by
# ./wasmbox.sh when missing), the jail tier (the default), examples/hello.wasm with its compiled form already cached.
#
#   bash bench/daemon-spawn.sh
#
# The first three are interleaved (one of each per round), so the machine's noise falls on them alike.
# foreground  N × `wasmbox run examples/hello.wasm`; each one's wall time (ms), from fork to exit.
# spawn       N × `curl POST /v1/sandboxes` one after the other: the time until the daemon answers 201 (the sandbox is
#             recorded durably and its worker is being started), from curl's time_total.
# lifecycle   N × (POST, then POST …/wait): from the request to the sandbox having exited, i.e. the same work as one
#             foreground run (worker, jail, guest, result), plus the API and the state writes.
# throughput  N spawns sent 8 at a time (xargs -P 8), then wait for all: sandboxes per second, wall clock.
# rss         VmRSS of the daemon: idle after start, then with LIVE sandboxes alive (tests/guests/wat/sleep.wat: 120 s in
#             poll_oneoff, so that 2 CPUs can start them all).
#
# Environment (all optional): N=100 LIVE=100 OUT=DIR (default bench/.out/results/daemon-<UTC time>)
# Writes OUT/*.txt (one number per line) and OUT/summary.md (medians, p99, ratios, machine, load).
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"
me=daemon-spawn.sh
N="${N:-100}"
LIVE="${LIVE:-100}"
OUT="${OUT:-$bench/.out/results/daemon-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
bench_lock

./wasmbox.sh --version >/dev/null
bin="$repo/.build/wasmbox"
work="$(mktemp -d /tmp/wbx-daemon-bench.XXXXXX)"
sock="$work/d.sock"
daemon_pid=""
cleanup() { [[ -n "$daemon_pid" ]] && kill -TERM "$daemon_pid" 2>/dev/null; sleep 1; cp "$work/daemon.log" "$OUT/daemon.log" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export XDG_CACHE_HOME="$work/xdg"
"$bin/wasmbox" compile examples/hello.wasm >/dev/null
"$bin/wasmbox" run examples/hello.wasm >/dev/null

"$bin/wasmbox-daemon" --socket "$sock" --data-dir "$work/data" --max-sandboxes $((LIVE + 20)) >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [[ -S "$sock" ]] && break; sleep 0.05; done
api() { curl -sS --unix-socket "$sock" "$@"; }
running() { { api 'http://d/v1/sandboxes?state=running' | grep -o '"id"' || true; } | wc -l; }
sha="$(api -X POST --data-binary @examples/hello.wasm -H 'Content-Type: application/wasm' http://d/v1/modules | sed -E 's/.*"sha256":"([0-9a-f]+)".*/\1/')"
# One spawn so the daemon's own cache holds the module and its code paths are warm.
first="$(api -X POST -d "{\"module_sha256\":\"$sha\"}" http://d/v1/sandboxes | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')"
api -X POST "http://d/v1/sandboxes/$first/wait" >/dev/null
load_before="$(cut -d' ' -f1 /proc/loadavg)"

ms() { awk '{ printf "%.3f\n", $1 * 1000 }'; }
now_ns() { date +%s%N; }

: >"$OUT/foreground.txt"; : >"$OUT/spawn.txt"; : >"$OUT/lifecycle.txt"
# Interleaved, one of each per round, so that the machine's noise falls on all three alike.
for _ in $(seq "$N"); do
  t0=$(now_ns); "$bin/wasmbox" run examples/hello.wasm >/dev/null; t1=$(now_ns)
  echo "scale=3; ($t1 - $t0) / 1000000" | bc >>"$OUT/foreground.txt"

  out="$(api -w '\n%{time_total}' -X POST -d "{\"module_sha256\":\"$sha\"}" http://d/v1/sandboxes)"
  ms <<<"${out##*$'\n'}" >>"$OUT/spawn.txt"
  id="$(sed -E 's/.*"id":"([0-9a-f]+)".*/\1/' <<<"${out%%$'\n'*}")"
  api -X POST "http://d/v1/sandboxes/$id/wait" >/dev/null

  t0=$(now_ns)
  id="$(api -X POST -d "{\"module_sha256\":\"$sha\"}" http://d/v1/sandboxes | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')"
  api -X POST "http://d/v1/sandboxes/$id/wait" >/dev/null
  t1=$(now_ns)
  echo "scale=3; ($t1 - $t0) / 1000000" | bc >>"$OUT/lifecycle.txt"
done

t0=$(now_ns)
seq "$N" | xargs -P 8 -I{} curl -sS --unix-socket "$sock" -o /dev/null -X POST -d "{\"module_sha256\":\"$sha\"}" http://d/v1/sandboxes
t_spawned=$(now_ns)
for _ in $(seq 600); do
  live="$(running)"
  [[ "$live" -eq 0 ]] && break; sleep 0.05
done
t1=$(now_ns)
echo "scale=1; $N * 1000000000 / ($t_spawned - $t0)" | bc >"$OUT/throughput-accepted.txt"
echo "scale=1; $N * 1000000000 / ($t1 - $t0)" | bc >"$OUT/throughput-completed.txt"

rss() { awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$daemon_pid/status"; }
sleep 1; rss >"$OUT/rss-idle.txt"
sleeper="$(api -X POST --data-binary @tests/guests/wat/sleep.wat http://d/v1/modules | sed -E 's/.*"sha256":"([0-9a-f]+)".*/\1/')"
for _ in $(seq "$LIVE"); do api -o /dev/null -X POST -d "{\"module_sha256\":\"$sleeper\"}" http://d/v1/sandboxes; done
for _ in $(seq 600); do
  live="$(running)"
  workers="$(pgrep -c -x wasmbox-worker || true)"
  [[ "$live" -ge "$LIVE" && "$workers" -ge "$LIVE" ]] && break; sleep 0.1
done
sleep 1; rss >"$OUT/rss-live.txt"; echo "$workers" >"$OUT/live-workers.txt"
load_after="$(cut -d' ' -f1 /proc/loadavg)"

pct() { sort -n "$1" | awk -v p="$2" '{ a[NR] = $1 } END { i = int((NR - 1) * p + 0.5) + 1; print a[i] }'; }
fg50=$(pct "$OUT/foreground.txt" 0.5); fg99=$(pct "$OUT/foreground.txt" 0.99)
sp50=$(pct "$OUT/spawn.txt" 0.5); sp99=$(pct "$OUT/spawn.txt" 0.99)
lc50=$(pct "$OUT/lifecycle.txt" 0.5); lc99=$(pct "$OUT/lifecycle.txt" 0.99)
{
  echo "# daemon-spawn.sh, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; load $load_before → $load_after; N=$N, LIVE=$LIVE"
  echo
  echo "| measure | p50 | p99 | vs foreground run p50 |"
  echo "|---|---:|---:|---:|"
  echo "| foreground \`wasmbox run\` (jail, cached hello), ms | $fg50 | $fg99 | 1.00 |"
  echo "| API spawn answered (POST → 201), ms | $sp50 | $sp99 | $(echo "scale=2; $sp50 / $fg50" | bc) |"
  echo "| API spawn → exited (POST + wait), ms | $lc50 | $lc99 | $(echo "scale=2; $lc50 / $fg50" | bc) |"
  echo
  echo "throughput (8 clients): $(cat "$OUT/throughput-accepted.txt") spawns/s accepted, $(cat "$OUT/throughput-completed.txt") sandboxes/s run to the end"
  echo "daemon VmRSS: idle $(cat "$OUT/rss-idle.txt") MiB; with $(cat "$OUT/live-workers.txt") live jailed sandboxes $(cat "$OUT/rss-live.txt") MiB"
} | tee "$OUT/summary.md"
