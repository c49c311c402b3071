#!/usr/bin/env bash
# Network benchmarks (issue 11): a guest's own TCP sockets through --allow-net, in the jail (the default tier: every
# socket is opened by the parent's broker and passed in with SCM_RIGHTS) and in tier none (the host opens it), against
# the same program built natively (bench/net/net_native.c) and Node's `net` module (bench/net/node-net.mjs), all
# talking to one sequential server on 127.0.0.1 (bench/net/net_server.c).
#
#   bash bench/net-bench.sh
#
# Rows (each contender prints the time of its own loop, elapsed_ns, so start-up is not counted):
#   stream    MIB MiB sent in 64 KiB writes to a sink: MB/s          target: wasmbox ≥ 80 % of native
#   rtt       N × (connect, send 1 KiB, read the 1 KiB echo, close): round trips/s   target: ≥ 50 % of native
#   connects  N × (connect, close): µs per connect                    target: jail (broker) ≤ 2× native
#
# Environment: RUNS=7 (runs per contender per row; the median is reported), MIB=256, N=2000, ROWS="stream rtt connects",
#   SKIP_BUILD=1 (reuse bench/.out/aot from bench/build.sh), OUT=DIR (default bench/.out/results/net-<UTC time>).
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
me=net-bench
# shellcheck source=bench/common.sh
source "$bench/common.sh"

RUNS="${RUNS:-7}"
MIB="${MIB:-256}"
N="${N:-2000}"
ROWS="${ROWS:-stream rtt connects}"
OUT="${OUT:-$bench/.out/results/net-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT" "$bench/.out/net"
bench_lock

[[ "${SKIP_BUILD:-}" == 1 ]] || bash "$bench/build.sh" >&2
wbx="$bench/.out/aot/wasmbox"
need_files "$wbx"
command -v node >/dev/null || { echo "$me: node is not installed (apt-get install -y nodejs)" >&2; exit 1; }
cc -O2 -o "$bench/.out/net/net_native" "$bench/net/net_native.c"
cc -O2 -o "$bench/.out/net/net_server" "$bench/net/net_server.c"
guest="$repo/tests/guests/c/net.wasm"
cache="$(mktemp -d /tmp/wbx-net-cache.XXXXXX)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
echo_port="$(free_port)"; sink_port="$(free_port)"
"$bench/.out/net/net_server" echo "$echo_port" & echo_pid=$!
"$bench/.out/net/net_server" sink "$sink_port" & sink_pid=$!
trap 'kill $echo_pid $sink_pid 2>/dev/null || true; rm -rf "$cache"' EXIT
sleep 0.3

{
  echo "date: $(date -u +%FT%TZ)"; echo "host: $(uname -srm), $(nproc) cores"; grep -m1 'model name' /proc/cpuinfo || true
  echo "wasmbox: $(cat "$bench/.out/wasmbox.rev" 2>/dev/null || echo unknown)"; echo "node: $(node --version)"
  echo "RUNS=$RUNS MIB=$MIB N=$N"
} > "$OUT/machine.txt"

contender() { # contender NAME MODE PORT COUNT: runs it once, prints elapsed_ns
  local name="$1" mode="$2" port="$3" count="$4" out
  case "$name" in
    native) out="$("$bench/.out/net/net_native" "$mode" 127.0.0.1 "$port" "$count")" ;;
    node) out="$(node "$bench/net/node-net.mjs" "$mode" 127.0.0.1 "$port" "$count")" ;;
    wasmbox-none) out="$("$wbx" run --isolation none --cache-dir "$cache" --allow-net "127.0.0.1:$port" "$guest" "$mode" 127.0.0.1 "$port" "$count")" ;;
    wasmbox-jail) out="$("$wbx" run --cache-dir "$cache" --allow-net "127.0.0.1:$port" "$guest" "$mode" 127.0.0.1 "$port" "$count")" ;;
  esac
  grep -q '^\(sent\|rtt\|connects\)=' <<<"$out" || { echo "$me: $name $mode printed: $out" >&2; exit 1; }
  grep -q 'error=[1-9]\|connect=[1-9]' <<<"$out" && { echo "$me: $name $mode failed: $out" >&2; exit 1; }
  sed -n 's/^elapsed_ns=//p' <<<"$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

contenders="native node wasmbox-none wasmbox-jail"
for row in $ROWS; do
  case "$row" in
    stream) port=$sink_port; count=$MIB ;;
    rtt) port=$echo_port; count=$N ;;
    connects) port=$echo_port; count=$N ;;
  esac
  for c in $contenders; do contender "$c" "$row" "$port" 1 >/dev/null; done # warm up (and fill the module cache)
  for ((i = 0; i < RUNS; i++)); do
    for c in $contenders; do echo "$(contender "$c" "$row" "$port" "$count")" >> "$OUT/$row-$c.ns"; done
  done
done

{
  echo "| row | contender | median of $RUNS | vs native | vs node |"
  echo "|---|---|---|---|---|"
  for row in $ROWS; do
    nat="$(median < "$OUT/$row-native.ns")"; nod="$(median < "$OUT/$row-node.ns")"
    for c in $contenders; do
      m="$(median < "$OUT/$row-$c.ns")"
      case "$row" in
        stream) awk -v m="$m" -v n="$nat" -v o="$nod" -v mib="$MIB" -v c="$c" 'BEGIN { r=mib*1048576/(m/1e9)/1e6; printf "| stream %d MiB | %s | %.0f MB/s | %.2f× | %.2f× |\n", mib, c, r, n/m, o/m }' ;;
        rtt) awk -v m="$m" -v n="$nat" -v o="$nod" -v k="$N" -v c="$c" 'BEGIN { printf "| rtt (connect + 1 KiB echo) | %s | %.0f /s | %.2f× | %.2f× |\n", c, k/(m/1e9), n/m, o/m }' ;;
        connects) awk -v m="$m" -v n="$nat" -v o="$nod" -v k="$N" -v c="$c" 'BEGIN { printf "| connect + close | %s | %.1f µs | %.2f× native time | %.2f× node time |\n", c, m/1e3/k, m/n, m/o }' ;;
      esac
    done
  done
} | tee "$OUT/summary.md"
echo "$me: results in $OUT" >&2
