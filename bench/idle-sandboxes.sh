#!/usr/bin/env bash
# Issue 13's scale row: N live sandboxes under one daemon, each guest idle in poll_oneoff (tests/guests/c/hold.wasm 0
# 600: nothing allocated, 600 s asleep), held for HOLD seconds. Measures, with everything started:
#   daemon CPU      utime+stime of the daemon over HOLD seconds, in % of one core
#   memory          proportional set size (Pss) of every process of the sandboxes (worker, bubblewrap, launch script)
#                   summed, plus the daemon's own VmRSS growth, divided by N
#   daemon growth   threads and open fds of the daemon: idle, then with N live; per sandbox
# NativeAOT build from BIN (default .build/wasmbox, built by ./wasmbox.sh when missing); jail tier (the default).
#
#   N=1000 HOLD=60 bash bench/idle-sandboxes.sh
#
# Environment (optional): N=1000 HOLD=60 BIN=DIR OUT=DIR (default bench/.out/results/idle-<UTC time>)
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"
N="${N:-1000}"
HOLD="${HOLD:-60}"
OUT="${OUT:-$bench/.out/results/idle-$(date -u +%Y%m%dT%H%M%SZ)}"
BIN="${BIN:-$repo/.build/wasmbox}"
mkdir -p "$OUT"
bench_lock
[[ -x "$BIN/wasmbox-daemon" ]] || ./wasmbox.sh --version >/dev/null

work="$(mktemp -d /tmp/wbx-idle-bench.XXXXXX)"
sock="$work/d.sock"
daemon_pid=""
cleanup() { [[ -n "$daemon_pid" ]] && kill -TERM "$daemon_pid" 2>/dev/null; sleep 2; cp "$work/daemon.log" "$OUT/daemon.log" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$BIN/wasmbox-daemon" --socket "$sock" --data-dir "$work/data" --max-sandboxes $((N + 16)) --shutdown-grace 0 >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [[ -S "$sock" ]] && break; sleep 0.1; done
api() { curl -sS --unix-socket "$sock" "$@"; }
status_of() { grep -E "^$1:" "/proc/$daemon_pid/status" | awk '{print $2}'; }
fds() { ls "/proc/$daemon_pid/fd" | wc -l; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$daemon_pid/stat"; }

sha="$(api -X POST --data-binary @tests/guests/c/hold.wasm "http://d/v1/modules" | sed -E 's/.*"sha256":"([0-9a-f]+)".*/\1/')"
# One spawn compiles the module into the daemon's cache; the idle figures come after it.
first="$(api -X POST -d "{\"module_sha256\":\"$sha\",\"args\":[\"0\",\"1\"]}" "http://d/v1/sandboxes" | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')"
api -X POST "http://d/v1/sandboxes/$first/wait" >/dev/null
sleep 2
idle_threads="$(status_of Threads)"; idle_fds="$(fds)"; idle_rss="$(status_of VmRSS)"

start=$(date +%s.%N)
seq "$N" | xargs -P 8 -I{} curl -sS -o /dev/null --unix-socket "$sock" -X POST \
  -d "{\"module_sha256\":\"$sha\",\"args\":[\"0\",\"600\"],\"policy\":{\"timeout\":\"900s\"}}" "http://d/v1/sandboxes"
# Every sandbox's guest is in its sleep once its worker has printed nothing more to do: wait until N are running and
# the daemon's own CPU settles.
for _ in $(seq 600); do
  running="$(api "http://d/v1/sandboxes?state=running" | grep -o '"id"' | wc -l)"
  [[ "$running" -ge "$N" ]] && break
  sleep 1
done
started=$(date +%s.%N)
sleep 10

live_threads="$(status_of Threads)"; live_fds="$(fds)"; live_rss="$(status_of VmRSS)"
# Every process of the sandboxes: the daemon's descendants.
pids="$(ps -e -o pid=,ppid= | awk -v root="$daemon_pid" '
  { parent[$1] = $2 } END { for (p in parent) { q = p; while (q in parent && q != root && q != 1) q = parent[q]; if (q == root && p != root) print p } }')"
sandbox_rss_kb=0; procs=0
for p in $pids; do
  # Pss, not VmRSS: each process's share of the pages it shares (the worker's libraries, bubblewrap's), so the sum is
  # what the sandboxes cost the machine, not the same library counted once per process.
  r="$(grep -E '^Pss:' "/proc/$p/smaps_rollup" 2>/dev/null | awk '{print $2}')" || true
  [[ -n "$r" ]] && { sandbox_rss_kb=$((sandbox_rss_kb + r)); procs=$((procs + 1)); }
done

t0=$(cpu_ticks); sleep "$HOLD"; t1=$(cpu_ticks)
hz=$(getconf CLK_TCK)
cpu_pct=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$HOLD" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / s }')
per_sandbox_mib=$(awk -v s="$sandbox_rss_kb" -v d0="$idle_rss" -v d1="$live_rss" -v n="$N" 'BEGIN { printf "%.2f", (s + d1 - d0) / 1024 / n }')
worker_rss_mib=$(awk -v s="$sandbox_rss_kb" -v n="$N" 'BEGIN { printf "%.2f", s / 1024 / n }')
daemon_share_mib=$(awk -v d0="$idle_rss" -v d1="$live_rss" -v n="$N" 'BEGIN { printf "%.3f", (d1 - d0) / 1024 / n }')
threads_per=$(awk -v a="$idle_threads" -v b="$live_threads" -v n="$N" 'BEGIN { printf "%.2f", (b - a) / n }')
fds_per=$(awk -v a="$idle_fds" -v b="$live_fds" -v n="$N" 'BEGIN { printf "%.2f", (b - a) / n }')
spawn_s=$(awk -v a="$start" -v b="$started" 'BEGIN { printf "%.1f", b - a }')

cat >"$OUT/summary.md" <<EOF
# $N idle sandboxes under one daemon ($(date -u +%Y-%m-%dT%H:%MZ))

Command: \`N=$N HOLD=$HOLD bash bench/idle-sandboxes.sh\`; binaries: $BIN; $(machine_line 2>/dev/null || uname -r); load before/after: see below.

| measure | value |
|---|---|
| sandboxes running | $running (processes under the daemon: $procs) |
| time to start them all (8 clients) | $spawn_s s |
| daemon CPU over $HOLD s | $cpu_pct % of one core |
| memory per sandbox (all its processes' Pss + the daemon's growth) | $per_sandbox_mib MiB |
| of which the sandbox's processes | $worker_rss_mib MiB |
| of which the daemon's growth | $daemon_share_mib MiB |
| daemon VmRSS idle → live | $((idle_rss / 1024)) → $((live_rss / 1024)) MiB |
| daemon threads idle → live (per sandbox) | $idle_threads → $live_threads ($threads_per) |
| daemon open fds idle → live (per sandbox) | $idle_fds → $live_fds ($fds_per) |
| load average at the end | $(cut -d' ' -f1-3 /proc/loadavg) |
EOF
cat "$OUT/summary.md"
