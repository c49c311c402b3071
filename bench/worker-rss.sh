#!/usr/bin/env bash
# Memory of the worker process (issue #4): the resident set of an idle wasmbox-worker, and, for information, of a
# worker in the jail that is running a guest.
#
#   bash bench/worker-rss.sh
#
# idle       start the worker with its stdin a pipe that stays open and is never written to: it sends its Hello frame on
#            stdout and waits for its assignment. After DELAY_MS, read VmRSS (and VmHWM, RssAnon, RssFile) from
#            /proc/PID/status. REPEAT samples, median. Target: ≤ 20 MB. Done for the AOT worker (the shipped build,
#            bench/.out/aot/wasmbox-worker) and, with JIT=1, for the JIT one (dotnet wasmbox-worker.dll) for comparison.
#            The environment is the one the launcher gives it (DOTNET_EnableDiagnostics=0), outside any jail.
#   running    `wasmbox run` (default tier: jail) of tests/guests/c/cat_stdin.wasm with its stdin a pipe that stays
#            open: the guest blocks in fd_read with its module loaded and instantiated. Read the jailed
#            wasmbox-worker's VmRSS/VmHWM (found as a descendant of that wasmbox) after DELAY_MS + 300 ms, then close
#            the pipe. Also the parent wasmbox's VmRSS at that moment.
#   report     `wasmbox run --report FILE` of tests/guests/c/hello.wasm in each worker tier (jail, the default, and
#            process): the report's peak_rss_bytes (the worker's own getrusage ru_maxrss), REPEAT runs, median.
#
# Environment (all optional):
#   REPEAT=5  DELAY_MS=200  JIT=1  SKIP_BUILD=1 (reuse bench/.out/)  OUT=DIR (default bench/.out/results/rss-<UTC time>)
#   QUIET_LOAD / QUIET_WAIT as in run-e2e.sh (memory does not depend much on load; the wait is only for fairness)
# Writes OUT/rss.tsv (one line per sample) and OUT/summary.md.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"
me=worker-rss.sh
REPEAT="${REPEAT:-5}"
DELAY_MS="${DELAY_MS:-200}"
JIT="${JIT:-1}"
out="$bench/.out"
OUT="${OUT:-$out/results/rss-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
bench_lock
[[ "${SKIP_BUILD:-}" == 1 ]] || JIT="$JIT" bash "$bench/build.sh"
need_files "$out/aot/wasmbox" "$out/aot/wasmbox-worker"
wait_quiet

kib() { awk -v k="$1" '/^'"$1"':/{print $2}' "/proc/$2/status"; }
sleep_ms() { sleep "$(awk -v m="$1" 'BEGIN{printf "%.3f", m/1000}')"; }
descendant_named() { # descendant_named ROOT-PID COMM: the first process named COMM whose ancestry includes ROOT-PID
  local p q
  for p in $(pgrep -x "$2"); do
    q=$p
    while [[ -n "$q" && "$q" != 1 && "$q" != 0 ]]; do
      [[ "$q" == "$1" ]] && { echo "$p"; return 0; }
      q=$(awk '{print $4}' "/proc/$q/stat" 2>/dev/null || true)
    done
  done
  return 1
}

printf 'what\tsample\tVmRSS_kB\tVmHWM_kB\tRssAnon_kB\tRssFile_kB\tparent_VmRSS_kB\thello_bytes\n' > "$OUT/rss.tsv"

idle() { # idle LABEL CMD...
  local label="$1"; shift
  local i
  for ((i = 1; i <= REPEAT; i++)); do
    local fifo="$OUT/stdin.fifo" hello="$OUT/hello.bin"
    rm -f "$fifo"; mkfifo "$fifo"
    DOTNET_EnableDiagnostics=0 "$@" < "$fifo" > "$hello" 9>&- &
    local pid=$!
    exec 8>"$fifo"            # the write end: held open, never written to
    sleep_ms "$DELAY_MS"
    kill -0 "$pid" 2>/dev/null || { echo "$me: $label exited before it was measured" >&2; exit 1; }
    printf '%s\t%d\t%s\t%s\t%s\t%s\t\t%s\n' "$label" "$i" "$(kib VmRSS $pid)" "$(kib VmHWM $pid)" "$(kib RssAnon $pid)" \
      "$(kib RssFile $pid)" "$(stat -c %s "$hello")" >> "$OUT/rss.tsv"
    exec 8>&-                 # end of file on its stdin: it exits (status 125, no assignment)
    wait "$pid" 2>/dev/null || true
    rm -f "$fifo" "$hello"
  done
}

running() {
  local cache=/tmp/wbx-bench-cache i
  "$out/aot/wasmbox" compile --cache-dir "$cache" tests/guests/c/cat_stdin.wasm >/dev/null
  for ((i = 1; i <= REPEAT; i++)); do
    local fifo="$OUT/stdin.fifo"
    rm -f "$fifo"; mkfifo "$fifo"
    "$out/aot/wasmbox" run --cache-dir "$cache" tests/guests/c/cat_stdin.wasm < "$fifo" > /dev/null 2>&1 9>&- &
    local pid=$!
    exec 8>"$fifo"
    sleep_ms $((DELAY_MS + 300))
    local w
    w="$(descendant_named "$pid" wasmbox-worker)" || { echo "$me: no wasmbox-worker under wasmbox $pid" >&2; exec 8>&-; exit 1; }
    printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n' "jailed worker running cat_stdin.wasm (AOT)" "$i" "$(kib VmRSS "$w")" "$(kib VmHWM "$w")" \
      "$(kib RssAnon "$w")" "$(kib RssFile "$w")" "$(kib VmRSS "$pid")" >> "$OUT/rss.tsv"
    exec 8>&-
    wait "$pid" || { echo "$me: wasmbox run cat_stdin.wasm failed" >&2; exit 1; }
    rm -f "$fifo"
  done
}

report() { # report LABEL TIER-FLAGS...: peak_rss_bytes of `wasmbox run --report` of hello.wasm
  local label="$1"; shift
  local cache=/tmp/wbx-bench-cache i rep="$OUT/report.json"
  "$out/aot/wasmbox" compile --cache-dir "$cache" tests/guests/c/hello.wasm >/dev/null
  for ((i = 1; i <= REPEAT; i++)); do
    rm -f "$rep"
    "$out/aot/wasmbox" run --cache-dir "$cache" "$@" --report "$rep" tests/guests/c/hello.wasm >/dev/null 9>&-
    local peak
    peak="$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      if (!("peak_rss_bytes" in r)) { console.error("the report has no peak_rss_bytes field"); process.exit(3); }
      console.log(r.peak_rss_bytes == null ? "" : Math.round(r.peak_rss_bytes / 1024));' "$rep")" \
      || { echo "$me: the report of $label has no peak_rss_bytes field; see $rep" >&2; exit 1; }
    printf '%s\t%d\t\t%s\t\t\t\t\n' "$label" "$i" "$peak" >> "$OUT/rss.tsv"
  done
  rm -f "$rep"
}

echo "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/machine.txt"
idle "idle worker (AOT)" "$out/aot/wasmbox-worker"
[[ "$JIT" != 1 ]] || idle "idle worker (JIT)" dotnet "$out/jit/wasmbox-worker.dll"
running
report "report peak_rss_bytes, hello.wasm, jail (default)"
report "report peak_rss_bytes, hello.wasm, --isolation process" --isolation process
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

node --input-type=module - "$OUT" <<'JS' | tee "$OUT/summary.md"
import { readFileSync } from 'node:fs';
const dir = process.argv[2];
const [head, ...lines] = readFileSync(`${dir}/rss.tsv`, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const groups = {};
for (const l of lines) (groups[l[0]] ??= []).push(l);
const med = (xs) => { const t = xs.filter((x) => x !== '').map(Number).sort((a, b) => a - b); if (!t.length) return null;
  const n = t.length; return n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2; };
const mb = (k) => (k == null ? '' : `${(k / 1024).toFixed(1)} MiB`);
console.log(readFileSync(`${dir}/machine.txt`, 'utf8').trim().split('\n').map((l) => `    ${l}`).join('\n') + '\n');
console.log('| process | samples | VmRSS median | min–max | VmHWM (peak) median | RssAnon | RssFile | parent wasmbox VmRSS | target | verdict |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|---|');
for (const [name, ls] of Object.entries(groups)) {
  if (ls[0][2] === '') {  // report rows: only the peak (VmHWM column)
    console.log(`| ${name} | ${ls.length} | | | ${mb(med(ls.map((l) => l[3])))} | | | | | |`);
    continue;
  }
  const rss = ls.map((l) => Number(l[2]));
  const m = med(rss);
  const target = name === 'idle worker (AOT)' ? '≤ 20 MB' : '';
  const verdict = target ? (m * 1024 <= 20e6 ? 'met' : 'MISSED') : '';
  console.log(`| ${name} | ${ls.length} | ${mb(m)} | ${mb(Math.min(...rss))}–${mb(Math.max(...rss))} | ${mb(med(ls.map((l) => l[3])))} | ${mb(med(ls.map((l) => l[4])))} | ${mb(med(ls.map((l) => l[5])))} | ${mb(med(ls.map((l) => l[6])))} | ${target} | ${verdict} |`);
}
JS
echo "samples: $OUT/rss.tsv" >&2
