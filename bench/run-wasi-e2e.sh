#!/usr/bin/env bash
# Whole-process benchmarks of Wasmbox's own WASI host (issue #3): `wasmbox run` (our host) against
# `wasmbox run --wasi-host wasmtime` (Wasmtime's built-in WASI, same process and CLI), Node's node:wasi and the native build.
#
#   bash bench/run-wasi-e2e.sh       # build what is needed, warm the cache, check outputs, run both rows, print medians and ratios
#
# Rows:
#   flood   tests/guests/c/output_flood.wasm N SIZE: N write(1, buf, SIZE) calls, stdout to /dev/null (hyperfine --output=null)
#           targets: wasmbox run ≤ 1.3× native, and faster than both WASI peers
#   files   tests/guests/c/file_cycles.wasm /d CYCLES in a granted temp dir (--dir TMP::/d; native gets TMP itself):
#           create/write/fstat/close/stat/open/read/close/unlink per cycle
#           targets: wasmbox run ≤ 2× native, and faster than both WASI peers
#
# Environment (all optional):
#   RUNS=20  WARMUP=3            hyperfine --runs / --warmup per command
#   N=200000 SIZE=64             output_flood arguments              CYCLES=2000   file_cycles argument
#   ROWS="startup flood files"   which rows to run (startup: output_flood with 0 writes, the fixed cost of each contender,
#                                so that the summary can give the marginal cost per write and per cycle)
#   STRACE=1                     also count each contender's syscalls once per row (strace -c -f), into $OUT/strace-*.txt
#   QUIET_LOAD=1.0               before each row, wait (at most QUIET_WAIT=900 s) until the 1-minute load average is below this
#   BUILD_REV=REV                build the CLI from that commit (git archive) instead of the working tree
#   SKIP_BUILD=1                 reuse bench/.out-wasi/{wasmbox,native} from an earlier run
#   OUT=DIR                      where this run's JSON and summary go (default bench/.out-wasi/results/<UTC time>)
#
# Before each row it also waits until no bench/run-e2e.sh or hyperfine of someone else is running, so that two benchmark
# scripts never measure at the same time. Everything it writes goes under bench/.out-wasi/ (gitignored), a cache dir and
# a temp grant in /tmp; the publish uses --artifacts-path, so the solution's own bin/obj folders are not touched.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"

RUNS="${RUNS:-20}"
WARMUP="${WARMUP:-3}"
N="${N:-200000}"
SIZE="${SIZE:-64}"
CYCLES="${CYCLES:-2000}"
ROWS="${ROWS:-startup flood files}"
out="$bench/.out-wasi"
OUT="${OUT:-$out/results/$(date -u +%Y%m%dT%H%M%SZ)}"
wbx_cache=/tmp/wbx-wasi-bench-cache

say() { printf '\n=== %s\n' "$*" >&2; }

# --- tools ----------------------------------------------------------------------------------------------------------
if ! command -v hyperfine >/dev/null; then
  say "installing hyperfine (apt-get)"
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq hyperfine >&2
  else sudo apt-get update -qq && sudo apt-get install -y -qq hyperfine >&2; fi
fi
for tool in dotnet node cc; do
  command -v "$tool" >/dev/null || { echo "run-wasi-e2e.sh: $tool is not installed; it is needed for the comparison" >&2; exit 1; }
done
if [[ "${STRACE:-}" == 1 ]] && ! command -v strace >/dev/null; then
  echo "run-wasi-e2e.sh: STRACE=1 needs strace (apt-get install strace)" >&2; exit 1
fi

wait_others() { # never measure (or build) while another benchmark script is measuring
  local waited=0
  while pgrep -f 'run-e2e\.sh' >/dev/null || pgrep -x hyperfine >/dev/null; do
    ((waited % 60 == 0)) && echo "run-wasi-e2e.sh: waiting for another benchmark (run-e2e.sh/hyperfine) to finish (${waited}s)" >&2
    sleep 10; waited=$((waited + 10))
  done
}

# --- build ----------------------------------------------------------------------------------------------------------
wasmbox="$out/wasmbox/wasmbox"
native="$out/native"
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  wait_others
  say "publishing the wasmbox CLI (Release, framework-dependent, JIT) into bench/.out-wasi/"
  cli_src="$repo"
  if [[ -n "${BUILD_REV:-}" ]]; then
    cli_src="$out/rev-src"
    rm -rf "$cli_src" && mkdir -p "$cli_src"
    git archive "$BUILD_REV" src Directory.Build.props Directory.Packages.props global.json | tar -x -C "$cli_src"
    git rev-parse --short "$BUILD_REV" > "$out/wasmbox.rev"
  else
    mkdir -p "$out"
    echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Directory.Build.props Directory.Packages.props || echo '+uncommitted')" > "$out/wasmbox.rev"
  fi
  dotnet publish "$cli_src/src/Wasmbox.Cli/Wasmbox.Cli.csproj" -c Release -o "$out/wasmbox" \
    --artifacts-path "$out/artifacts" --nologo -v quiet >&2
  say "compiling the native builds (cc -O2)"
  mkdir -p "$native"
  cc -O2 -o "$native/output_flood" tests/guests/c/output_flood.c
  cc -O2 -o "$native/file_cycles" tests/guests/c/file_cycles.c
fi
for f in "$wasmbox" "$native/output_flood" "$native/file_cycles"; do
  [[ -x "$f" ]] || { echo "run-wasi-e2e.sh: $f is missing; run without SKIP_BUILD=1" >&2; exit 1; }
done

flood=tests/guests/c/output_flood.wasm
files=tests/guests/c/file_cycles.wasm
node_run="node --no-warnings bench/node-wasi.mjs"
grant="$(mktemp -d /tmp/wbx-wasi-bench-grant.XXXXXX)"
trap 'rm -rf "$grant"' EXIT

# --- warm the cache (both WASI hosts use the same compiled artifact: the engine is the same) -------------------------
wait_others
say "warming the cache ($wbx_cache)"
mkdir -p "$OUT"
for m in "$flood" "$files"; do
  "$wasmbox" compile --cache-dir "$wbx_cache" "$m" >/dev/null
  state="$("$wasmbox" compile --cache-dir "$wbx_cache" "$m")"
  [[ "$state" == cached* ]] || { echo "run-wasi-e2e.sh: the wasmbox cache did not warm for $m: $state" >&2; exit 1; }
done

# --- the contenders -------------------------------------------------------------------------------------------------
startup_cmds=(  # output_flood with 0 writes: the fixed cost of a process, to split it from the per-call cost
  "wasmbox run"                     "$wasmbox run --cache-dir $wbx_cache $flood 0 $SIZE"
  "wasmbox run --wasi-host wasmtime" "$wasmbox run --cache-dir $wbx_cache --wasi-host wasmtime $flood 0 $SIZE"
  "node wasi"                       "$node_run $flood 0 $SIZE"
  "native"                          "$native/output_flood 0 $SIZE"
)
flood_cmds=(
  "wasmbox run"                     "$wasmbox run --cache-dir $wbx_cache $flood $N $SIZE"
  "wasmbox run --wasi-host wasmtime" "$wasmbox run --cache-dir $wbx_cache --wasi-host wasmtime $flood $N $SIZE"
  "node wasi"                       "$node_run $flood $N $SIZE"
  "native"                          "$native/output_flood $N $SIZE"
)
files_cmds=(
  "wasmbox run"                     "$wasmbox run --cache-dir $wbx_cache --dir $grant::/d $files /d $CYCLES"
  "wasmbox run --wasi-host wasmtime" "$wasmbox run --cache-dir $wbx_cache --wasi-host wasmtime --dir $grant::/d $files /d $CYCLES"
  "node wasi"                       "$node_run --dir $grant::/d $files /d $CYCLES"
  "native"                          "$native/file_cycles $grant $CYCLES"
)

# --- check every contender does the same work -----------------------------------------------------------------------
say "checking outputs"
flood_bytes=$((N * SIZE))
# Into a file, not a pipe: node:wasi gives up (EAGAIN) on a full non-blocking pipe; /dev/null and files never fill.
flood_out="$OUT/flood-check.out"
for ((i = 0; i < ${#flood_cmds[@]}; i += 2)); do
  # shellcheck disable=SC2086
  ${flood_cmds[i + 1]} > "$flood_out" || { echo "run-wasi-e2e.sh: '${flood_cmds[i]}' failed (exit $?)" >&2; exit 1; }
  got="$(stat -c %s "$flood_out")"
  [[ "$got" == "$flood_bytes" ]] || { echo "run-wasi-e2e.sh: '${flood_cmds[i]}' wrote $got bytes, expected $flood_bytes" >&2; exit 1; }
done
rm -f "$flood_out"
for ((i = 0; i < ${#files_cmds[@]}; i += 2)); do
  # shellcheck disable=SC2086
  got="$(${files_cmds[i + 1]})" || { echo "run-wasi-e2e.sh: '${files_cmds[i]}' failed: $got" >&2; exit 1; }
  [[ "$got" == "cycles=$CYCLES" ]] || { echo "run-wasi-e2e.sh: '${files_cmds[i]}' printed '$got', expected 'cycles=$CYCLES'" >&2; exit 1; }
  [[ -z "$(ls -A "$grant")" ]] || { echo "run-wasi-e2e.sh: '${files_cmds[i]}' left files in $grant" >&2; exit 1; }
done

# --- the machine ----------------------------------------------------------------------------------------------------
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "kernel: $(uname -sr)"
  echo "dotnet: $(dotnet --version) (runtime $(dotnet --list-runtimes | sed -n 's/^Microsoft.NETCore.App \([^ ]*\).*/\1/p' | tail -1))"
  echo "node: $(node --version)"
  echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
  echo "cc: $(cc --version | head -1)"
  echo "wasmbox built from: $(cat "$out/wasmbox.rev" 2>/dev/null || echo unknown)"
  echo "grant: $grant ($(df -T "$grant" | awk 'NR==2{print $2}'))"
  echo "runs: $RUNS, warmup: $WARMUP, flood: $N x $SIZE B, cycles: $CYCLES, rows: $ROWS"
} | tee "$OUT/machine.txt" >&2

row() { [[ " $ROWS " == *" $1 "* ]]; }

wait_quiet() {
  [[ -n "${QUIET_LOAD:-}" ]] || return 0
  local waited=0
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v q="$QUIET_LOAD" 'BEGIN{exit !(l >= q)}'; do
    if ((waited >= ${QUIET_WAIT:-900})); then echo "run-wasi-e2e.sh: still busy after ${waited}s; measuring anyway" >&2; return 0; fi
    sleep 10; waited=$((waited + 10))
  done
}

hf() { # hf NAME then pairs of (label, command)
  local name="$1"; shift
  local args=()
  while (($#)); do args+=(--command-name "$1" "$2"); shift 2; done
  wait_others
  wait_quiet
  say "row $name"
  echo "loadavg before $name: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
  hyperfine -N --output=null --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/$name.json" "${args[@]}" >&2
  echo "loadavg after $name: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
}

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

# --- medians and ratios ---------------------------------------------------------------------------------------------
N="$N" CYCLES="$CYCLES" node --input-type=module - "$OUT" <<'EOF' | tee "$OUT/summary.md"
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const ms = (s) => (s * 1000).toFixed(1);
const machine = readFileSync(join(dir, 'machine.txt'), 'utf8').trim();
console.log(`## ${dir}\n\n\`\`\`\n${machine}\n\`\`\`\n`);
const startupFile = join(dir, 'startup.json');
const startup = existsSync(startupFile)
  ? Object.fromEntries(JSON.parse(readFileSync(startupFile, 'utf8')).results.map((x) => [x.command, x]))
  : null;
if (startup) {
  console.log('### 0. fixed cost: output_flood.wasm 0 (no writes)\n');
  console.log('| contender | median | min | max |');
  console.log('|---|---:|---:|---:|');
  for (const [k, x] of Object.entries(startup)) console.log(`| ${k} | ${ms(x.median)} ms | ${ms(x.min)} ms | ${ms(x.max)} ms |`);
  console.log('');
}
const rows = [
  ['flood', 'a. output_flood.wasm: 64-byte writes to stdout (/dev/null)', 1.3],
  ['files', 'b. file_cycles.wasm in a granted temp dir', 2.0],
];
for (const [name, title, nativeTarget] of rows) {
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) continue;
  const r = Object.fromEntries(JSON.parse(readFileSync(file, 'utf8')).results.map((x) => [x.command, x]));
  console.log(`### ${title}\n`);
  console.log('| contender | median | mean ± σ | min | max | user | sys |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [k, x] of Object.entries(r))
    console.log(`| ${k} | ${ms(x.median)} ms | ${ms(x.mean)} ± ${ms(x.stddev)} ms | ${ms(x.min)} ms | ${ms(x.max)} ms | ${ms(x.user)} ms | ${ms(x.system)} ms |`);
  const ours = r['wasmbox run'];
  console.log('\n| ratio (of medians) | value | target | verdict |');
  console.log('|---|---:|---|---|');
  for (const peer of ['native', 'wasmbox run --wasi-host wasmtime', 'node wasi']) {
    if (!ours || !r[peer]) continue;
    const v = ours.median / r[peer].median;
    const [target, ok] = peer === 'native' ? [`≤ ${nativeTarget}×`, v <= nativeTarget] : ['< 1 (faster)', v < 1];
    console.log(`| wasmbox run / ${peer} | ${v.toFixed(2)}× | ${target} | ${ok ? 'met' : 'MISSED'} |`);
  }
  if (startup) {
    const ops = name === 'flood' ? [Number(process.env.N), 'write'] : [Number(process.env.CYCLES), 'cycle'];
    console.log(`\n| contender | fixed (0-write run, median) | marginal per ${ops[1]} = (median − fixed) / ${ops[0]} |`);
    console.log('|---|---:|---:|');
    for (const [k, x] of Object.entries(r)) {
      if (!startup[k]) continue;
      console.log(`| ${k} | ${ms(startup[k].median)} ms | ${((x.median - startup[k].median) / ops[0] * 1e9).toFixed(0)} ns |`);
    }
  }
  console.log('');
}
EOF
echo "raw hyperfine JSON: $OUT" >&2
